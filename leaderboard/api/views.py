"""HTTP views of the leaderboard app."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import Conflict
from leaderboard.selectors import leaderboard_me, leaderboard_page
from leaderboard.services import leaderboard_rebuild_request
from learning.api.permissions import IsStaff
from learning.selectors import course_access_check


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=settings.LEADERBOARD_MAX_LIMIT,
                                     default=settings.LEADERBOARD_DEFAULT_LIMIT)
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


class MeQuerySerializer(serializers.Serializer):
    around = serializers.IntegerField(required=False, min_value=0, max_value=50,
                                      default=settings.LEADERBOARD_AROUND)


class LeaderboardView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT), OpenApiParameter("offset", OpenApiTypes.INT)],
        responses={200: dict},
    )
    def get(self, request: Request, course_id: str) -> Response:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_page(course_id=course_id, **query.validated_data))


class LeaderboardMeView(APIView):
    @extend_schema(parameters=[OpenApiParameter("around", OpenApiTypes.INT)], responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        query = MeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_me(course_id=course_id, user_id=request.user.pk,
                                       around=query.validated_data["around"]))


class LeaderboardRebuildView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=None, responses={202: dict})
    def post(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        task_id = leaderboard_rebuild_request(course_id=course_id)
        if task_id is None:
            raise Conflict("The task queue is unreachable; the rebuild was recorded and will run "
                           "when it is back.", code="queued_later")
        return Response({"task_id": task_id, "course_id": course_id}, status=status.HTTP_202_ACCEPTED)
