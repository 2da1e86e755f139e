"""HTTP views of the leaderboard app."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import Conflict, Forbidden, InvalidInput
from config.query import QueryChoiceField, QueryIntegerField, QueryRegexField
from leaderboard.scoring import RANKING_MODES, Window
from leaderboard.selectors import (
    leaderboard_config_get,
    leaderboard_me,
    leaderboard_page,
    window_resolve,
)
from leaderboard.services import leaderboard_config_set, leaderboard_rebuild_request
from learning.api.permissions import IsStaff
from learning.selectors import course_access_check

_WINDOW_PARAMS = [
    OpenApiParameter("window", OpenApiTypes.STR, enum=["all", "week"],
                     description="all-time board (default) or a weekly board"),
    OpenApiParameter("week", OpenApiTypes.STR, description="ISO week such as 2026-W48 (window=week; "
                     "default: this week)"),
]


class WindowQuerySerializer(serializers.Serializer):
    window = QueryChoiceField(choices=["all", "week"], required=False)
    week = QueryRegexField(r"^\d{4}-W\d{2}$", required=False, max_length=8, error_messages={
        "invalid": "week must look like 2026-W48."})

    def board(self) -> Window:
        data = self.validated_data
        # `week` alone implies window=week.
        window = data.get("window") or ("week" if data.get("week") else "all")
        return window_resolve(window=window, week=data.get("week"))


class PageQuerySerializer(WindowQuerySerializer):
    limit = QueryIntegerField(required=False, min_value=1, max_value=settings.LEADERBOARD_MAX_LIMIT,
                                     default=settings.LEADERBOARD_DEFAULT_LIMIT)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class MeQuerySerializer(WindowQuerySerializer):
    around = QueryIntegerField(required=False, min_value=0, max_value=50,
                                      default=settings.LEADERBOARD_AROUND)


class ConfigSerializer(serializers.Serializer):
    ranking = serializers.ChoiceField(choices=RANKING_MODES, allow_null=True)


class LeaderboardView(APIView):
    @extend_schema(parameters=[OpenApiParameter("limit", OpenApiTypes.INT),
                               OpenApiParameter("offset", OpenApiTypes.INT), *_WINDOW_PARAMS],
                   responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_page(course_id=course_id, limit=query.validated_data["limit"],
                                         offset=query.validated_data["offset"], window=query.board()))


class LeaderboardMeView(APIView):
    @extend_schema(parameters=[OpenApiParameter("around", OpenApiTypes.INT), *_WINDOW_PARAMS],
                   responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        query = MeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_me(course_id=course_id, user_id=request.user.pk,
                                       around=query.validated_data["around"], window=query.board()))


class LeaderboardUserView(APIView):
    @extend_schema(parameters=[OpenApiParameter("around", OpenApiTypes.INT), *_WINDOW_PARAMS],
                   responses={200: dict})
    def get(self, request: Request, course_id: str, user_id: str) -> Response:
        if not user_id.isdigit() or len(user_id) > 18:
            raise InvalidInput("user_id must be a positive integer", code="invalid_id")
        if int(user_id) != request.user.pk and not request.user.is_staff:
            raise Forbidden("Only staff may look up another learner's rank.")
        query = MeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_me(course_id=course_id, user_id=int(user_id),
                                       around=query.validated_data["around"], window=query.board()))


class LeaderboardConfigView(APIView):
    def get_permissions(self):
        return [IsStaff()] if self.request.method == "PUT" else super().get_permissions()

    @extend_schema(responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_config_get(course_id=course_id))

    @extend_schema(request=ConfigSerializer, responses={200: dict})
    def put(self, request: Request, course_id: str) -> Response:
        body = ConfigSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        return Response(leaderboard_config_set(course_id=course_id, ranking=body.validated_data["ranking"],
                                               updated_by=request.user.pk))


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
