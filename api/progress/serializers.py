"""Responses of the progress API: these serializers render them and document them."""
from __future__ import annotations

import copy

from rest_framework import serializers

from api.fields import IdListField, MarksField


class UnlockedSerializer(serializers.Serializer):
    sections = IdListField()
    lessons = IdListField()
    items = IdListField()


class LockedElementSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["section", "lesson", "item"])
    id = serializers.CharField()
    title = serializers.CharField()
    code = serializers.CharField(help_text="First unmet condition, e.g. previous_item_incomplete.")
    reason = serializers.CharField(help_text="Every unmet condition, as sentences.")
    conditions = serializers.ListField(child=serializers.DictField())


class ItemResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    completed = serializers.BooleanField()
    best_marks = MarksField(allow_null=True, help_text="null: no graded attempt, or marks the "
                                                       "item's policy does not show yet.")
    max_marks = MarksField()
    attempts = serializers.IntegerField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True,
                                      help_text="Graded items: reached the pass mark; null for "
                                                "videos and articles, and while marks are hidden.")
    late = serializers.BooleanField(help_text="An attempt came after the item's due moment.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="When it is due for this learner.")
    overridden = serializers.BooleanField(default=False,
                                          help_text="Staff set this item's marks (an override "
                                                    "replaces the best attempt's marks).")

    def to_representation(self, item):
        body = super().to_representation(item)
        if not self.context.get("staff_view") and not item.get("marks_shown", True):
            body["best_marks"] = body["passed"] = None
        return body


class RollUpSerializer(serializers.Serializer):
    id = serializers.CharField()
    completion_percent = serializers.FloatField()
    marks_obtained = MarksField()
    marks_total = MarksField()

    def to_representation(self, rollup):
        if not self.context.get("staff_view"):
            rollup = {**rollup, "marks_obtained": rollup.get("marks_shown", 0)}
        return super().to_representation(rollup)


class DueSoonSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField()


class ProgressSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    user_id = serializers.IntegerField()
    completion_percent = serializers.FloatField(help_text="Required items completed, 2 decimals.")
    completed_items = serializers.IntegerField()
    total_items = serializers.IntegerField(help_text="Required (not optional) items.")
    marks_obtained = MarksField(help_text="Best attempt per item, summed. A learner sees only the "
                                          "marks their items' policies show them; staff see all.")
    marks_total = MarksField()
    marks_hidden = serializers.SerializerMethodField(
        help_text="True when some attempted items' marks are not shown to the learner yet.")
    unlocked = UnlockedSerializer()
    locked = LockedElementSerializer(many=True)
    completed_item_ids = IdListField()
    next_item_id = serializers.CharField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True,
                                             help_text="When the course first reached 100%.")
    computed_at = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True,
                                            help_text="A date rule changes the result then.")
    outline_version = serializers.IntegerField()
    stale = serializers.BooleanField()
    seq = serializers.IntegerField()
    items = ItemResultSerializer(many=True, help_text="Every item, in course order.")
    lessons = RollUpSerializer(many=True)
    sections = RollUpSerializer(many=True)
    due_soon = DueSoonSerializer(many=True, help_text="Unfinished items due within 7 days.")
    grade_percent = serializers.FloatField(allow_null=True, help_text="The grading policy's "
                                           "weighted percentage (null without a policy, or while "
                                           "marks are hidden from the learner).")
    letter = serializers.CharField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    passed_at = serializers.DateTimeField(allow_null=True, help_text="When the grade first passed.")

    def get_marks_hidden(self, progress) -> bool:
        return not self.context.get("staff_view") and progress.get("marks_hidden_items", 0) > 0

    def get_fields(self):
        # Only the fields asked for (`?fields=`) are copied and rendered: a poller asking for one
        # total no longer pays for the per-item results (DRF deep-copies every declared field,
        # nested serializers included, for each response).
        wanted = self.context.get("fields")
        declared = self._declared_fields
        return {name: copy.deepcopy(field) for name, field in declared.items()
                if not wanted or name in wanted}

    def to_representation(self, progress):
        if not self.context.get("staff_view"):
            progress = {**progress, "marks_obtained": progress.get("marks_revealed", 0)}
            if progress.get("marks_hidden_items", 0) > 0:  # a grade would show hidden marks
                progress.update(grade_percent=None, letter=None, passed=None, passed_at=None)
        return super().to_representation(progress)


class ProgressReadSerializer(ProgressSerializer):
    pending = serializers.BooleanField(help_text="A recalculation is queued or running.")


class ProgressRowSerializer(ProgressSerializer):
    display_name = serializers.CharField(allow_null=True)


class ProgressListSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    count = serializers.IntegerField()
    results = ProgressRowSerializer(many=True)


class DistributionBucketSerializer(serializers.Serializer):
    from_percent = serializers.IntegerField()
    to_percent = serializers.IntegerField()
    learners = serializers.IntegerField()


class ProgressSummarySerializer(serializers.Serializer):
    course_id = serializers.CharField()
    enrolled = serializers.IntegerField()
    mean_completion_percent = serializers.FloatField()
    completed = serializers.IntegerField()
    distribution = DistributionBucketSerializer(many=True)
