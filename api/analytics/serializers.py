"""What the analytics API reads (a date range) and writes (daily series, funnels, durations)."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from learning.selectors import object_id_parse

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


class DateRangeSerializer(serializers.Serializer):
    """`from`/`to` (YYYY-MM-DD, inclusive, UTC days; default the last 30 days) and a course."""

    start = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    end = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    course_id = serializers.CharField(required=False)

    def to_internal_value(self, data):
        # `from` is a Python keyword, so the query names map onto start/end here.
        renamed = {"start": data.get("from"), "end": data.get("to"),
                   "course_id": data.get("course_id")}
        # A parameter sent empty (`?to=`) is refused like any malformed value, not ignored.
        renamed = {k: v for k, v in renamed.items() if v is not None}
        try:
            return super().to_internal_value(renamed)
        except serializers.ValidationError as exc:
            names = {"start": "from", "end": "to"}
            raise serializers.ValidationError(
                {names.get(k, k): v for k, v in exc.detail.items()}) from exc

    def validate(self, attrs):
        end = attrs.get("end") or timezone.now().date()
        try:
            start = attrs.get("start") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        except OverflowError as exc:  # `to` within the first days of year 1
            raise serializers.ValidationError(
                {"from": f"Give 'from' too: {DEFAULT_RANGE_DAYS} days before 'to' is before "
                         "year 1."}) from exc
        if start > end:
            raise serializers.ValidationError({"from": "'from' must not be after 'to'."})
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": f"The range may span at most {MAX_RANGE_DAYS} days."})
        if attrs.get("course_id"):
            object_id_parse(attrs["course_id"], what="course_id")
        return {"start": start, "end": end, "course_id": attrs.get("course_id")}


class _DailySeriesSerializer(serializers.Serializer):
    """A daily series over a range; `from` and `to` are Python keywords, hence get_fields."""

    course_id = serializers.CharField(allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(source="start")
        fields["to"] = serializers.DateField(source="end")
        return fields


class ActiveLearnersDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    learners = serializers.IntegerField()


class AttemptsDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    attempts = serializers.IntegerField()


class ActiveLearnersPerDaySerializer(_DailySeriesSerializer):
    days = ActiveLearnersDaySerializer(many=True)


class AttemptsPerDaySerializer(_DailySeriesSerializer):
    days = AttemptsDaySerializer(many=True)


class CourseFunnelStageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    learners = serializers.IntegerField()
    percent = serializers.FloatField()
    section_id = serializers.CharField(required=False)


class CourseFunnelSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    title = serializers.CharField()
    stages = CourseFunnelStageSerializer(many=True)


class CompletionTimeSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    title = serializers.CharField()
    completed = serializers.IntegerField()
    median_seconds = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
