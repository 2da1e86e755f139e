"""Staff endpoints of analytics: daily activity, course funnels, time to complete."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import active_learners_daily, attempts_daily
from api.analytics.serializers import (
    ActiveLearnersPerDaySerializer,
    AttemptsPerDaySerializer,
    CompletionTimeSerializer,
    CourseFunnelSerializer,
    DateRangeSerializer,
)
from api.openapi import error_responses
from api.permissions import IsStaff
from flows.reports import completion_time_median, course_funnel

RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (UTC), default 29 days before 'to'."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (UTC), default today."),
    OpenApiParameter("course_id", OpenApiTypes.STR, description="Only this course."),
]
RANGE_ERRORS = error_responses(400, 401, 403)
COURSE_ERRORS = error_responses(400, 401, 403, 404)


def _range(request: Request) -> dict:
    query = DateRangeSerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class ActiveLearnersView(APIView):
    """Distinct learners with any activity, per day."""

    permission_classes = [IsStaff]

    @extend_schema(parameters=RANGE_PARAMETERS,
                   responses={200: ActiveLearnersPerDaySerializer, **RANGE_ERRORS})
    def get(self, request: Request) -> Response:
        query = _range(request)
        return Response(ActiveLearnersPerDaySerializer(
            {**query, "days": active_learners_daily(**query)}).data)


class AttemptsPerDayView(APIView):
    """Attempts submitted, per day."""

    permission_classes = [IsStaff]

    @extend_schema(parameters=RANGE_PARAMETERS,
                   responses={200: AttemptsPerDaySerializer, **RANGE_ERRORS})
    def get(self, request: Request) -> Response:
        query = _range(request)
        return Response(AttemptsPerDaySerializer({**query, "days": attempts_daily(**query)}).data)


class CourseFunnelView(APIView):
    """Enrolled → started → each section completed → course completed."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: CourseFunnelSerializer, **COURSE_ERRORS})
    def get(self, request: Request, course_id: str) -> Response:
        return Response(CourseFunnelSerializer(course_funnel(course_id=course_id)).data)


class CompletionTimeView(APIView):
    """Median time from enrollment to completing the course."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: CompletionTimeSerializer, **COURSE_ERRORS})
    def get(self, request: Request, course_id: str) -> Response:
        return Response(CompletionTimeSerializer(completion_time_median(course_id=course_id)).data)
