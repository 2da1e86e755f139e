"""What the attempt history reads (filters, paging) and answers (attempts and corrections)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from api.fields import (
    HEX_ID,
    MAX_USER_ID,
    MarksField,
    QueryChoiceField,
    QueryDateTimeField,
    QueryIntegerField,
    QueryRegexField,
)
from learning.correction_documents import OVERRIDE_ACTIONS
from learning.documents import ITEM_KINDS

ENTRY_TYPES = ("attempt", "override", "reset")


class HistoryQuerySerializer(serializers.Serializer):
    """Filters and paging of the attempt history."""

    user_id = QueryIntegerField(required=False, min_value=1, max_value=MAX_USER_ID,
                                help_text="Whose history (staff only; default: your own).")
    content_id = QueryRegexField(HEX_ID, required=False,
                                 help_text="One item's attempts and overrides (no resets).")
    kind = QueryChoiceField(choices=ITEM_KINDS, required=False,
                            help_text="Items of one kind (resets have none: left out).")
    since = QueryDateTimeField(required=False,
                               help_text="Entries at or after this moment (ISO 8601; no zone "
                                         "means UTC), e.g. 2026-11-01T00:00:00Z.")
    limit = QueryIntegerField(required=False, min_value=1, max_value=500, default=50)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class HistoryEntrySerializer(serializers.Serializer):
    """One entry: an attempt, a staff override change or a course reset (by `type`)."""

    type = serializers.ChoiceField(choices=ENTRY_TYPES,
                                   help_text="`attempt`; `override`: staff set or removed the "
                                             "item's marks; `reset`: the course was started over "
                                             "(earlier attempts archived).")
    id = serializers.CharField(help_text="The attempt's, override change's or reset's id.")
    at = serializers.DateTimeField(help_text="When it was submitted or made.")
    content_id = serializers.CharField(allow_null=True, help_text="The item (null for a reset).")
    kind = serializers.ChoiceField(choices=ITEM_KINDS, allow_null=True)
    marks = MarksField(allow_null=True,
                       help_text="Attempt: its marks (after any late penalty); override: the "
                                 "marks set. Null when none, or while the item's policy hides "
                                 "marks from the learner.")
    marks_hidden = serializers.BooleanField(
        help_text="True when the item's attempt policy does not show marks to the learner yet.")
    completed = serializers.BooleanField(allow_null=True, help_text="Attempt: marked complete.")
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True),
                                    allow_null=True, help_text="Quiz attempt: the choices sent.")
    late = serializers.BooleanField(allow_null=True, help_text="Attempt: after its due moment.")
    penalty_percent = serializers.FloatField(allow_null=True,
                                             help_text="Attempt: marks lost for lateness.")
    raw_marks = MarksField(allow_null=True, help_text="Late attempt: marks before the penalty.")
    by = serializers.IntegerField(allow_null=True,
                                  help_text="The staff user who graded, overrode or reset.")
    action = serializers.ChoiceField(choices=OVERRIDE_ACTIONS, allow_null=True,
                                     help_text="Override: `set` or `removed`.")
    previous_marks = MarksField(allow_null=True, help_text="Override: the override it replaced.")
    reason = serializers.CharField(allow_null=True, help_text="Override or reset: why.")
    archived_attempts = serializers.IntegerField(allow_null=True,
                                                 help_text="Reset: attempts it archived.")


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Entries matching the filters, on every page.")
    results = HistoryEntrySerializer(many=True)


HISTORY_EXAMPLES = [
    OpenApiExample("A learner's history, newest first", response_only=True, status_codes=["200"],
                   value={"count": 3, "results": [
                       {"type": "override", "id": "6650f0c2a1b2c3d4e5f60801",
                        "at": "2026-11-28T10:00:00Z", "content_id": "6650f0c2a1b2c3d4e5f60719",
                        "kind": "quiz", "marks": 4, "marks_hidden": False, "completed": None,
                        "answers": None, "late": None, "penalty_percent": None,
                        "raw_marks": None, "by": 2, "action": "set", "previous_marks": None,
                        "reason": "Answers copied (case 2026-118).", "archived_attempts": None},
                       {"type": "attempt", "id": "6650f0c2a1b2c3d4e5f60800",
                        "at": "2026-11-27T09:30:00Z", "content_id": "6650f0c2a1b2c3d4e5f60719",
                        "kind": "quiz", "marks": 10, "marks_hidden": False, "completed": False,
                        "answers": [1, 0], "late": False, "penalty_percent": 0,
                        "raw_marks": None, "by": None, "action": None, "previous_marks": None,
                        "reason": None, "archived_attempts": None},
                       {"type": "attempt", "id": "6650f0c2a1b2c3d4e5f607ff",
                        "at": "2026-11-27T09:00:00Z", "content_id": "6650f0c2a1b2c3d4e5f60718",
                        "kind": "video", "marks": None, "marks_hidden": False, "completed": True,
                        "answers": None, "late": False, "penalty_percent": 0,
                        "raw_marks": None, "by": None, "action": None, "previous_marks": None,
                        "reason": None, "archived_attempts": None}]}),
]
