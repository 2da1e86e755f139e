"""Staff endpoints of the analytics app: daily activity, funnels, time to complete."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import (
    active_learners_daily,
    attempts_daily,
    completion_time_median,
    course_funnel,
)
from config.openapi import error_responses
from learning.api.permissions import IsStaff
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
        start = attrs.get("start") or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"from": "'from' must not be after 'to'."})
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": f"The range may span at most {MAX_RANGE_DAYS} days."})
        if attrs.get("course_id"):
            object_id_parse(attrs["course_id"], what="course_id")
        return {"start": start, "end": end, "course_id": attrs.get("course_id")}


RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (UTC), default 29 days before 'to'."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (UTC), default today."),
    OpenApiParameter("course_id", OpenApiTypes.STR, description="Only this course."),
]


# The service's one error shape (config/openapi.py); field errors sit beside detail and code.
RANGE_ERRORS = error_responses(400, 401, 403)
COURSE_ERRORS = error_responses(400, 401, 403, 404)


def _daily(name: str, value: str):
    return inline_serializer(name, {
        "from": serializers.DateField(), "to": serializers.DateField(),
        "course_id": serializers.CharField(allow_null=True),
        "days": inline_serializer(f"{name}Day", {"day": serializers.DateField(),
                                                value: serializers.IntegerField()}, many=True)})


FUNNEL = inline_serializer("CourseFunnel", {
    "course_id": serializers.CharField(), "title": serializers.CharField(),
    "stages": inline_serializer("CourseFunnelStage", {
        "stage": serializers.CharField(), "learners": serializers.IntegerField(),
        "percent": serializers.FloatField(),
        "section_id": serializers.CharField(required=False)}, many=True)})
COMPLETION_TIME = inline_serializer("CompletionTime", {
    "course_id": serializers.CharField(), "title": serializers.CharField(),
    "completed": serializers.IntegerField(),
    "median_seconds": serializers.FloatField(allow_null=True),
    "median_days": serializers.FloatField(allow_null=True)})


class _RangeReport(APIView):
    permission_classes = [IsStaff]
    selector = staticmethod(active_learners_daily)

    def get(self, request: Request) -> Response:
        query = DateRangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return Response({"from": params["start"].isoformat(), "to": params["end"].isoformat(),
                         "course_id": params["course_id"],
                         "days": self.selector(start=params["start"], end=params["end"],
                                               course_id=params["course_id"])})


class ActiveLearnersView(_RangeReport):
    """Distinct learners with any activity, per day."""

    selector = staticmethod(active_learners_daily)

    @extend_schema(parameters=RANGE_PARAMETERS,
                   responses={200: _daily("ActiveLearnersPerDay", "learners"), **RANGE_ERRORS})
    def get(self, request: Request) -> Response:
        return super().get(request)


class AttemptsPerDayView(_RangeReport):
    """Attempts submitted, per day."""

    selector = staticmethod(attempts_daily)

    @extend_schema(parameters=RANGE_PARAMETERS,
                   responses={200: _daily("AttemptsPerDay", "attempts"), **RANGE_ERRORS})
    def get(self, request: Request) -> Response:
        return super().get(request)


class CourseFunnelView(APIView):
    """Enrolled → started → each section completed → course completed."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: FUNNEL, **COURSE_ERRORS})
    def get(self, request: Request, course_id: str) -> Response:
        return Response(course_funnel(course_id=course_id))


class CompletionTimeView(APIView):
    """Median time from enrollment to completing the course."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: COMPLETION_TIME, **COURSE_ERRORS})
    def get(self, request: Request, course_id: str) -> Response:
        return Response(completion_time_median(course_id=course_id))
