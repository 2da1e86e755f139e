"""HTTP views of the progress app."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import Forbidden
from learning.api.permissions import IsStaff
from learning.selectors import course_access_check, enrollment_get
from progress.selectors import PROGRESS_ORDERINGS, progress_get, progress_list, progress_summary


class ProgressQuerySerializer(serializers.Serializer):
    user_id = serializers.IntegerField(required=False, min_value=1)
    fresh = serializers.BooleanField(required=False, default=False)


class ProgressView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("user_id", OpenApiTypes.INT, description="Staff only: another learner."),
            OpenApiParameter("fresh", OpenApiTypes.BOOL, description="Compute now (own progress)."),
        ],
        responses={200: dict},
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
        return Response(progress_get(user_id=user_id, course_id=course_id, fresh=fresh))


class ProgressListQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(
        choices=[f"{sign}{field}" for field in PROGRESS_ORDERINGS for sign in ("", "-")],
        required=False, default="-completion_percent")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


class CourseProgressListView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("ordering", OpenApiTypes.STR,
                                     description="One of " + ", ".join(PROGRESS_ORDERINGS) +
                                     "; prefix '-' for descending (default -completion_percent)."),
                    OpenApiParameter("limit", OpenApiTypes.INT),
                    OpenApiParameter("offset", OpenApiTypes.INT)],
        responses={200: dict},
    )
    def get(self, request: Request, course_id: str) -> Response:
        query = ProgressListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(progress_list(course_id=course_id, **query.validated_data))


class CourseProgressSummaryView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(progress_summary(course_id=course_id))
