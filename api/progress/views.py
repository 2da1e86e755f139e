"""HTTP views of the progress app."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import (
    MAX_USER_ID,
    QueryBooleanField,
    QueryChoiceField,
    QueryIntegerField,
    QueryRegexField,
)
from api.openapi import READ_ERRORS, error_responses
from api.permissions import IsStaff
from api.progress.serializers import (
    ProgressListSerializer,
    ProgressReadSerializer,
    ProgressSummarySerializer,
)
from api.query import QuerySerializer
from api.throttles import FreshProgressThrottle
from config.exceptions import Forbidden
from learning.selectors import course_access_check, enrollment_get
from progress.selectors import PROGRESS_ORDERINGS, progress_list, progress_summary
from progress.services import progress_get_or_recalculate

# The names `?fields=` may list (read once: instantiating the serializer copies every field).
PROGRESS_FIELDS = frozenset(ProgressReadSerializer._declared_fields)


class ProgressQuerySerializer(QuerySerializer):
    """Query of the progress read."""

    user_id = QueryIntegerField(required=False, min_value=1, max_value=MAX_USER_ID)
    fresh = QueryBooleanField(required=False, default=False,
                              help_text="Compute now instead of reading the stored result "
                                        "(own progress only).")
    fields = QueryRegexField(r"^[a-z_]+(,[a-z_]+)*$", required=False, max_length=500,
                             help_text="Only these top-level fields, comma-separated (e.g. "
                                       "completion_percent,marks_obtained,grade_percent): the "
                                       "small answer for clients that want totals only.")

    def validate_fields(self, value: str) -> set[str]:
        names = set(value.split(","))
        unknown = names - PROGRESS_FIELDS
        if unknown:
            raise serializers.ValidationError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        return names


class ProgressView(APIView):
    throttle_classes = [FreshProgressThrottle]

    @extend_schema(
        operation_id="progress_retrieve", tags=["progress"],
        summary="A learner's progress in a course (own; staff may name another learner)",
        parameters=[ProgressQuerySerializer],
        responses={200: ProgressReadSerializer, **error_responses(*READ_ERRORS, 429)},
    )
    def get(self, request: Request, course_id: str) -> Response:
        query = ProgressQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user_id = query.validated_data.get("user_id", request.user.pk)
        if user_id != request.user.pk:
            if not request.user.is_staff:
                raise Forbidden("Only staff may read another learner's progress.", code="staff_only")
            course_access_check(user=request.user, course_id=course_id)
            if enrollment_get(user_id=user_id, course_id=course_id) is None:
                raise Forbidden(f"User {user_id} is not enrolled in this course.", code="not_enrolled")
        else:
            course_access_check(user=request.user, course_id=course_id)
        fresh = query.validated_data["fresh"] and user_id == request.user.pk
        progress = progress_get_or_recalculate(user_id=user_id, course_id=course_id, fresh=fresh)
        return Response(ProgressReadSerializer(progress, context={
            "staff_view": request.user.is_staff, "fields": query.validated_data.get("fields")}).data)


class ProgressListQuerySerializer(QuerySerializer):
    ordering = QueryChoiceField(
        choices=[f"{sign}{field}" for field in PROGRESS_ORDERINGS for sign in ("", "-")],
        required=False, default="-completion_percent",
        help_text="Sort field; prefix '-' for descending.")
    limit = QueryIntegerField(required=False, min_value=1, max_value=500, default=50)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class CourseProgressListView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="progress_learners_list", tags=["progress"],
        summary="Every learner's progress in a course, sorted and paginated (staff)",
        parameters=[ProgressListQuerySerializer],
        responses={200: ProgressListSerializer, **error_responses(*READ_ERRORS)},
    )
    def get(self, request: Request, course_id: str) -> Response:
        query = ProgressListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        rows = progress_list(course_id=course_id, **query.validated_data)
        return Response(ProgressListSerializer(rows, context={"staff_view": True}).data)


class CourseProgressSummaryView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="progress_summary_retrieve", tags=["progress"],
                   summary="Enrolled learners, mean completion and its distribution (staff)",
                   responses={200: ProgressSummarySerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(ProgressSummarySerializer(progress_summary(course_id=course_id)).data)
