"""What the corrections API reads (overrides, resets) and writes back."""
from __future__ import annotations

from rest_framework import serializers

from api.fields import (
    HEX_ID,
    MAX_USER_ID,
    JSONCharField,
    JSONFloatField,
    JSONIntegerField,
    MarksField,
    ObjectIdField,
    QueryIntegerField,
    QueryRegexField,
)
from api.learning.serializers import MAX_MARKS
from learning.correction_documents import OVERRIDE_ACTIONS

REASON_HELP = "Why (shown in the learner's history and the admin), 1–500 characters."


class ReasonField(JSONCharField):
    """A required reason: a JSON string with something in it once trimmed."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, help_text=REASON_HELP, **kwargs)


class OverrideSetSerializer(serializers.Serializer):
    user_id = JSONIntegerField(min_value=1, max_value=MAX_USER_ID, help_text="The learner.")
    content_id = ObjectIdField(help_text="A quiz or assignment of the course.")
    marks = JSONFloatField(min_value=0, max_value=MAX_MARKS,
                           help_text="0 to the item's max_marks; counts in place of the best "
                                     "attempt, higher or lower.")
    reason = ReasonField()


class OverrideRemoveSerializer(serializers.Serializer):
    user_id = JSONIntegerField(min_value=1, max_value=MAX_USER_ID, help_text="The learner.")
    content_id = ObjectIdField()
    reason = ReasonField()


class ResetRequestSerializer(serializers.Serializer):
    reason = ReasonField()


class CorrectionQuerySerializer(serializers.Serializer):
    """Filters and paging of the corrections lists."""

    user_id = QueryIntegerField(required=False, min_value=1, max_value=MAX_USER_ID,
                                help_text="One learner (learners see only their own).")
    content_id = QueryRegexField(HEX_ID, required=False, help_text="One item.")
    limit = QueryIntegerField(required=False, min_value=1, max_value=500, default=50)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


# --- Responses ----------------------------------------------------------------------------------

class OverrideChangeSerializer(serializers.Serializer):
    """One recorded change of an override; the history is these, newest first."""

    id = serializers.CharField()
    course_id = serializers.CharField()
    user_id = serializers.IntegerField()
    content_id = serializers.CharField(source="item_id")
    action = serializers.ChoiceField(choices=OVERRIDE_ACTIONS,
                                     help_text="`set`: these marks count from now on; "
                                               "`removed`: the best attempt counts again.")
    marks = MarksField(allow_null=True, help_text="The marks set (null for a removal, or while "
                                                  "the item's policy hides marks from you).")
    previous_marks = MarksField(allow_null=True,
                                help_text="The override this replaced (null: none was in force).")
    reason = serializers.CharField()
    changed_by = serializers.IntegerField(help_text="The staff user.")
    changed_at = serializers.DateTimeField()
    revision = serializers.IntegerField(help_text="Orders the learner's changes in the course.")
    cause = serializers.CharField(allow_null=True,
                                  help_text="`reset:<id>` when a course reset removed it.")
    pending = serializers.SerializerMethodField(
        help_text="True until progress and boards work for it is queued.")
    marks_hidden = serializers.SerializerMethodField(
        help_text="True when the item's policy does not show marks to the learner yet.")

    def get_pending(self, change) -> bool:
        return bool(change.followup_pending)

    def get_marks_hidden(self, change) -> bool:
        return str(change.item_id) in self.context.get("hidden_items", ())

    def to_representation(self, change):
        body = super().to_representation(change)
        if body["marks_hidden"]:
            body["marks"] = body["previous_marks"] = None
        return body


class OverrideChangeListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = OverrideChangeSerializer(many=True)


class OverrideInForceSerializer(serializers.Serializer):
    """An override in force: these marks count for the item instead of the best attempt."""

    user_id = serializers.IntegerField()
    content_id = serializers.CharField(source="item_id")
    marks = MarksField(allow_null=True, help_text="null while the item's policy hides marks.")
    reason = serializers.CharField()
    changed_by = serializers.IntegerField()
    changed_at = serializers.DateTimeField()
    change_id = serializers.CharField(help_text="The change that set it (see overrides/changes/).")
    marks_hidden = serializers.SerializerMethodField()

    def get_marks_hidden(self, override) -> bool:
        return override.item_id in self.context.get("hidden_items", ())

    def to_representation(self, override):
        body = super().to_representation(override)
        if body["marks_hidden"]:
            body["marks"] = None
        return body


class OverrideInForceListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = OverrideInForceSerializer(many=True)


class ResetSerializer(serializers.Serializer):
    """A reset: who, when, why, and what it archived and removed once done."""

    id = serializers.CharField()
    course_id = serializers.CharField()
    user_id = serializers.IntegerField()
    reason = serializers.CharField()
    reset_by = serializers.IntegerField()
    reset_at = serializers.DateTimeField(help_text="Attempts submitted up to here are archived.")
    status = serializers.SerializerMethodField(help_text="`pending` until every step is done.")
    archived_attempts = serializers.IntegerField(allow_null=True)
    overrides_removed = serializers.IntegerField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, reset) -> str:
        return "pending" if reset.followup_pending else "done"


class ResetListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ResetSerializer(many=True)
