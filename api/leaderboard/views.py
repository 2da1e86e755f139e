"""HTTP views of the leaderboards."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import JSONCharField, QueryChoiceField, QueryIntegerField, QueryRegexField
from api.leaderboard.serializers import (
    GlobalWeightSerializer,
    GroupCreateSerializer,
    GroupMembersSerializer,
    GroupRenameSerializer,
    GroupSerializer,
    HiddenLearnerSerializer,
    LeaderboardConfigSerializer,
    LeaderboardMeSerializer,
    LeaderboardPageSerializer,
    RebuildAcceptedSerializer,
    SeasonSerializer,
    VisibilitySerializer,
)
from api.learning.corrections import user_id_parse
from api.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from api.permissions import IsStaff
from api.query import QuerySerializer
from config.exceptions import Conflict, Forbidden, InvalidInput
from flows.leaderboard_privacy import board_hide, board_unhide
from leaderboard.documents import VISIBILITIES
from leaderboard.global_board import global_weight_get
from leaderboard.global_rebuild import global_weight_set
from leaderboard.group_services import (
    group_create,
    group_delete,
    group_members_add,
    group_members_remove,
    group_rename,
)
from leaderboard.groups import group_board_read_check, group_read_check, groups_list
from leaderboard.keys import GLOBAL_ID
from leaderboard.privacy import staff_hidden_list, visibility_get, visibility_set
from leaderboard.scoring import RANKING_MODES, Window
from leaderboard.seasons import season_create, seasons_list
from leaderboard.selectors import Viewer, leaderboard_config_get, users_check, window_resolve
from leaderboard.services import (
    leaderboard_config_set,
    leaderboard_me_get_or_rebuild,
    leaderboard_page_get_or_rebuild,
    leaderboard_rebuild_request,
)
from learning.selectors import course_access_check

# What a client of a board being rebuilt is told to wait before asking again.
REBUILD_RETRY_AFTER_SECONDS = 2
# Larger than any user id the relational database hands out (64-bit).
_MAX_USER_ID_DIGITS = 18


class WindowQuerySerializer(QuerySerializer):
    window = QueryChoiceField(choices=["all", "day", "week", "month", "season"], required=False,
                              help_text="all-time board (default), a day (UTC), a week, a "
                                        "calendar month (UTC) or a staff-defined season; the "
                                        "current one unless day/week/month/season names one")
    day = QueryRegexField(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", required=False, max_length=10,
                          error_messages={"invalid": "day must look like 2026-11-29."},
                          help_text="A UTC day such as 2026-11-29 (window=day; default: today)")
    month = QueryRegexField(r"^[0-9]{4}-[0-9]{2}$", required=False, max_length=7,
                            error_messages={"invalid": "month must look like 2026-11."},
                            help_text="A month such as 2026-11 (window=month; default: this month)")
    season = QueryRegexField(r"^[0-9a-fA-F]{24}$", required=False,
                             error_messages={"invalid": "season must be a 24-character hex id."},
                             help_text="A season of the course (window=season; required there)")
    week = QueryRegexField(r"^[0-9]{4}-W[0-9]{2}$", required=False, max_length=8, error_messages={
        "invalid": "week must look like 2026-W48."},
        help_text="ISO week such as 2026-W48 (window=week; default: this week)")

    group = QueryRegexField(
        r"^[0-9a-fA-F]{24}$", required=False,
        error_messages={"invalid": "group must be a 24-character hex id."},
        help_text="Read the board of this group of the course (its members only; staff and the "
                  "group's members may). Same parameters, answers and cost as the course board.")
    users = QueryRegexField(
        r"^[0-9]{1,18}(,[0-9]{1,18})*$", required=False, max_length=20_000,
        error_messages={"invalid": "users must be user ids separated by commas, e.g. 7,12,40."},
        help_text="Rank among these learners only (e.g. the caller's friends): up to "
                  f"{settings.LEADERBOARD_MAX_USERS} user ids, comma-separated, each enrolled in "
                  "the course; the learner the answer is about is always included. One Redis "
                  "round trip (ZMSCORE); ranks, `count` and `around` are within that set.")

    def users_for(self, *, course_id: str, caller_id: int) -> list[int] | None:
        raw = self.validated_data.get("users")
        if raw is None:
            return None
        return users_check(course_id=course_id, user_ids=[int(u) for u in raw.split(",")],
                           caller_id=caller_id)

    def board(self, *, request: Request, course_id: str) -> Window:
        """The window asked for, on the group's board if one is named (and readable)."""
        data = self.validated_data
        # `week` (`day`, `month`, `season`) alone implies window=week (…).
        named = [kind for kind in ("week", "day", "month", "season") if data.get(kind)]
        window = data.get("window") or (named[0] if named else "all")
        chosen = window_resolve(window=window, week=data.get("week"), day=data.get("day"),
                                month=data.get("month"), season=(data.get("season") or "").lower()
                                or None, course_id=course_id)
        group = data.get("group")
        if group:
            group_board_read_check(course_id=course_id, group_id=group.lower(), user=request.user)
            return chosen.of_group(group.lower())
        return chosen


class PageQuerySerializer(WindowQuerySerializer):
    limit = QueryIntegerField(required=False, min_value=1, max_value=settings.LEADERBOARD_MAX_LIMIT,
                              default=settings.LEADERBOARD_DEFAULT_LIMIT)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class MeQuerySerializer(WindowQuerySerializer):
    around = QueryIntegerField(required=False, min_value=0, max_value=50,
                               default=settings.LEADERBOARD_AROUND)


class ConfigSerializer(serializers.Serializer):
    ranking = serializers.ChoiceField(choices=RANKING_MODES, allow_null=True)


def _board_response(body: dict) -> Response:
    """A board answer; while a worker rebuilds a missing board, `Retry-After` says when to look.

    The selectors build boards in their wire form already (what LeaderboardPageSerializer and
    LeaderboardMeSerializer document): DRF serializers deep-copy their fields per instance, which
    cost more than the Redis round trip of a "my rank" (tests/api/test_leaderboard_wire.py holds
    the two to the same shape)."""
    headers = {"Retry-After": str(REBUILD_RETRY_AFTER_SECONDS)} if body["rebuilding"] else None
    return Response(body, headers=headers)


def _viewer(request: Request) -> Viewer:
    return Viewer(user_id=request.user.pk, is_staff=request.user.is_staff)


def _query(serializer_class, request: Request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query


class LeaderboardView(APIView):
    @extend_schema(operation_id="leaderboard_list", tags=["leaderboard"],
                   parameters=[PageQuerySerializer],
                   summary="A page of a course's leaderboard, best first",
                   responses={200: LeaderboardPageSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = _query(PageQuerySerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        page = leaderboard_page_get_or_rebuild(
            course_id=course_id, limit=query.validated_data["limit"],
            offset=query.validated_data["offset"], window=query.board(request=request, course_id=course_id), viewer=_viewer(request),
            users=query.users_for(course_id=course_id, caller_id=request.user.pk))
        return _board_response(page)


class LeaderboardMeView(APIView):
    @extend_schema(operation_id="leaderboard_me_retrieve", tags=["leaderboard"],
                   parameters=[MeQuerySerializer], summary="The caller's rank, score and neighbours",
                   responses={200: LeaderboardMeSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = _query(MeQuerySerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        me = leaderboard_me_get_or_rebuild(
            course_id=course_id, user_id=request.user.pk, around=query.validated_data["around"],
            window=query.board(request=request, course_id=course_id), viewer=_viewer(request),
            users=query.users_for(course_id=course_id, caller_id=request.user.pk))
        return _board_response(me)


class LeaderboardUserView(APIView):
    @extend_schema(operation_id="leaderboard_user_retrieve", tags=["leaderboard"],
                   parameters=[MeQuerySerializer],
                   summary="A learner's rank, score and neighbours (own, or any learner for staff)",
                   responses={200: LeaderboardMeSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str, user_id: str) -> Response:
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > _MAX_USER_ID_DIGITS:
            raise InvalidInput("user_id must be a positive integer", code="invalid_id")
        if int(user_id) != request.user.pk and not request.user.is_staff:
            raise Forbidden("Only staff may look up another learner's rank.")
        query = _query(MeQuerySerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        me = leaderboard_me_get_or_rebuild(
            course_id=course_id, user_id=int(user_id), around=query.validated_data["around"],
            window=query.board(request=request, course_id=course_id), viewer=_viewer(request),
            users=query.users_for(course_id=course_id, caller_id=int(user_id)))
        return _board_response(me)


class LeaderboardConfigView(APIView):
    def get_permissions(self):
        return [IsStaff()] if self.request.method == "PUT" else super().get_permissions()

    @extend_schema(operation_id="leaderboard_config_retrieve", tags=["leaderboard"],
                   summary="How the course's board ranks ties",
                   responses={200: LeaderboardConfigSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(LeaderboardConfigSerializer(leaderboard_config_get(course_id=course_id)).data)

    @extend_schema(operation_id="leaderboard_config_update", tags=["leaderboard"],
                   request=ConfigSerializer,
                   summary="Set the course's ranking mode, or null for the default (staff)",
                   responses={200: LeaderboardConfigSerializer, **error_responses(*WRITE_ERRORS)})
    def put(self, request: Request, course_id: str) -> Response:
        body = ConfigSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        course_access_check(user=request.user, course_id=course_id)
        config = leaderboard_config_set(course_id=course_id, ranking=body.validated_data["ranking"],
                                        updated_by=request.user.pk)
        return Response(LeaderboardConfigSerializer(config).data)


class LeaderboardRebuildView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="leaderboard_rebuild_create", tags=["leaderboard"], request=None,
                   summary="Queue a rebuild of the board from MongoDB (staff)",
                   responses={202: RebuildAcceptedSerializer, **error_responses(*READ_ERRORS, 409)})
    def post(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        task_id = leaderboard_rebuild_request(course_id=course_id)
        if task_id is None:
            raise Conflict("The task queue is unreachable; the rebuild was recorded and will run "
                           "when it is back.", code="queued_later")
        return Response(RebuildAcceptedSerializer({"task_id": task_id, "course_id": course_id}).data,
                        status=status.HTTP_202_ACCEPTED)


class VisibilityBodySerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=VISIBILITIES)


class HideBodySerializer(serializers.Serializer):
    reason = JSONCharField(max_length=500, help_text="Why the learner is hidden.")


class HiddenListQuerySerializer(serializers.Serializer):
    limit = QueryIntegerField(required=False, min_value=1, max_value=100, default=50)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**6, default=0)


class VisibilityView(APIView):
    @extend_schema(operation_id="leaderboard_visibility_retrieve", tags=["leaderboard"],
                   summary="How the caller shows on every board",
                   responses={200: VisibilitySerializer, **error_responses(401, 503)})
    def get(self, request: Request) -> Response:
        return Response(VisibilitySerializer(visibility_get(user_id=request.user.pk)).data)

    @extend_schema(operation_id="leaderboard_visibility_update", tags=["leaderboard"],
                   request=VisibilityBodySerializer,
                   examples=[OpenApiExample("Stay on boards without a name",
                                            value={"visibility": "anonymous"}, request_only=True)],
                   summary="Choose how the caller shows on every board: public, anonymous or "
                           "hidden (boards follow within seconds)",
                   responses={200: VisibilitySerializer, **error_responses(400, 401, 413, 415, 503)})
    def put(self, request: Request) -> Response:
        body = VisibilityBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = visibility_set(user_id=request.user.pk, visibility=body.validated_data["visibility"])
        return Response(VisibilitySerializer(changed).data)


class HiddenLearnersView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="leaderboard_hidden_list", tags=["leaderboard"],
                   parameters=[HiddenListQuerySerializer],
                   summary="Learners staff hid from every board, newest first (staff)",
                   responses={200: HiddenLearnerSerializer(many=True), **error_responses(*READ_ERRORS)})
    def get(self, request: Request) -> Response:
        query = _query(HiddenListQuerySerializer, request).validated_data
        found = staff_hidden_list(limit=query["limit"], offset=query["offset"])
        return Response(HiddenLearnerSerializer(found, many=True).data)


class HiddenLearnerView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="leaderboard_hidden_update", tags=["leaderboard"],
                   request=HideBodySerializer,
                   examples=[OpenApiExample("Hide a cheater", request_only=True,
                                            value={"reason": "Shared quiz answers (case 2026-42)."})],
                   summary="Hide a learner from every board at once, with a reason (staff)",
                   responses={200: HiddenLearnerSerializer, **error_responses(*WRITE_ERRORS)})
    def put(self, request: Request, user_id: str) -> Response:
        learner_id = user_id_parse(user_id)
        body = HideBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hidden = board_hide(actor=request.user, user_id=learner_id,
                            reason=body.validated_data["reason"])
        return Response(HiddenLearnerSerializer(hidden).data)

    @extend_schema(operation_id="leaderboard_hidden_destroy", tags=["leaderboard"],
                   summary="Show a learner staff hid again (staff)",
                   responses={200: HiddenLearnerSerializer, **error_responses(*READ_ERRORS)})
    def delete(self, request: Request, user_id: str) -> Response:
        shown = board_unhide(actor=request.user, user_id=user_id_parse(user_id))
        return Response(HiddenLearnerSerializer(shown).data)


def _staff_only(request: Request) -> None:
    if not request.user.is_staff:
        raise Forbidden("Only staff may change groups.", code="staff_only")


def _body(serializer_class, request: Request) -> dict:
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


GROUP_EXAMPLES = [OpenApiExample("A cohort", request_only=True,
                                 value={"name": "Cohort A (Tuesday)", "members": [7, 12, 40]})]


class GroupsView(APIView):
    @extend_schema(operation_id="leaderboard_groups_list", tags=["leaderboard"],
                   summary="The course's groups (staff: all; a learner: their own)",
                   responses={200: GroupSerializer(many=True), **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(GroupSerializer(groups_list(course_id=course_id, user=request.user),
                                        many=True).data)

    @extend_schema(operation_id="leaderboard_groups_create", tags=["leaderboard"],
                   request=GroupCreateSerializer, examples=GROUP_EXAMPLES,
                   summary="Create a group with its own boards (staff); members must be enrolled",
                   responses={201: GroupSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str) -> Response:
        _staff_only(request)
        data = _body(GroupCreateSerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        group = group_create(course_id=course_id, name=data["name"], members=data["members"],
                             by=request.user.pk)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


class GroupView(APIView):
    @extend_schema(operation_id="leaderboard_group_retrieve", tags=["leaderboard"],
                   summary="One group (staff, or a member)",
                   responses={200: GroupSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str, group_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(GroupSerializer(group_read_check(course_id=course_id, group_id=group_id,
                                                         user=request.user)).data)

    @extend_schema(operation_id="leaderboard_group_update", tags=["leaderboard"],
                   request=GroupRenameSerializer, summary="Rename a group (staff)",
                   responses={200: GroupSerializer, **error_responses(*WRITE_ERRORS)})
    def patch(self, request: Request, course_id: str, group_id: str) -> Response:
        _staff_only(request)
        data = _body(GroupRenameSerializer, request)
        return Response(GroupSerializer(group_rename(course_id=course_id, group_id=group_id,
                                                     name=data["name"])).data)

    @extend_schema(operation_id="leaderboard_group_destroy", tags=["leaderboard"],
                   summary="Delete a group and its boards (staff)",
                   responses={204: None, **error_responses(*READ_ERRORS)})
    def delete(self, request: Request, course_id: str, group_id: str) -> Response:
        _staff_only(request)
        group_delete(course_id=course_id, group_id=group_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembersView(APIView):
    @extend_schema(operation_id="leaderboard_group_members_add", tags=["leaderboard"],
                   request=GroupMembersSerializer,
                   examples=[OpenApiExample("Add two learners", request_only=True,
                                            value={"user_ids": [55, 56]})],
                   summary="Add enrolled learners to a group (staff); its boards follow",
                   responses={200: GroupSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str, group_id: str) -> Response:
        _staff_only(request)
        data = _body(GroupMembersSerializer, request)
        return Response(GroupSerializer(group_members_add(
            course_id=course_id, group_id=group_id, user_ids=data["user_ids"])).data)


class GroupMembersRemoveView(APIView):
    @extend_schema(operation_id="leaderboard_group_members_remove", tags=["leaderboard"],
                   request=GroupMembersSerializer,
                   examples=[OpenApiExample("Remove a learner", request_only=True,
                                            value={"user_ids": [56]})],
                   summary="Remove learners from a group (staff); its boards follow",
                   responses={200: GroupSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str, group_id: str) -> Response:
        _staff_only(request)
        data = _body(GroupMembersSerializer, request)
        return Response(GroupSerializer(group_members_remove(
            course_id=course_id, group_id=group_id, user_ids=data["user_ids"])).data)


class GlobalPageQuerySerializer(QuerySerializer):
    limit = QueryIntegerField(required=False, min_value=1, max_value=settings.LEADERBOARD_MAX_LIMIT,
                              default=settings.LEADERBOARD_DEFAULT_LIMIT)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class GlobalMeQuerySerializer(QuerySerializer):
    around = QueryIntegerField(required=False, min_value=0, max_value=50,
                               default=settings.LEADERBOARD_AROUND)


class GlobalLeaderboardView(APIView):
    @extend_schema(operation_id="leaderboard_global_list", tags=["leaderboard"],
                   parameters=[GlobalPageQuerySerializer],
                   summary="A page of the global board: every published course's points, "
                           "weighted per course, summed",
                   responses={200: LeaderboardPageSerializer, **error_responses(400, 401, 503)})
    def get(self, request: Request) -> Response:
        query = _query(GlobalPageQuerySerializer, request).validated_data
        page = leaderboard_page_get_or_rebuild(course_id=GLOBAL_ID, limit=query["limit"],
                                               offset=query["offset"], viewer=_viewer(request))
        return _board_response(page)


class GlobalLeaderboardMeView(APIView):
    @extend_schema(operation_id="leaderboard_global_me_retrieve", tags=["leaderboard"],
                   parameters=[GlobalMeQuerySerializer],
                   summary="The caller's rank, points and neighbours on the global board",
                   responses={200: LeaderboardMeSerializer, **error_responses(400, 401, 503)})
    def get(self, request: Request) -> Response:
        query = _query(GlobalMeQuerySerializer, request).validated_data
        me = leaderboard_me_get_or_rebuild(course_id=GLOBAL_ID, user_id=request.user.pk,
                                           around=query["around"], viewer=_viewer(request))
        return _board_response(me)


class GlobalWeightView(APIView):
    @extend_schema(operation_id="leaderboard_global_weight_retrieve", tags=["leaderboard"],
                   summary="The course's weight on the global board",
                   responses={200: GlobalWeightSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(GlobalWeightSerializer(global_weight_get(course_id=course_id)).data)

    @extend_schema(operation_id="leaderboard_global_weight_update", tags=["leaderboard"],
                   request=GlobalWeightSerializer,
                   examples=[OpenApiExample("Count a capstone course double", request_only=True,
                                            value={"weight": 2})],
                   summary="Set the course's weight on the global board (staff); the global "
                           "board is rebuilt",
                   responses={200: GlobalWeightSerializer, **error_responses(*WRITE_ERRORS)})
    def put(self, request: Request, course_id: str) -> Response:
        _staff_only(request)
        data = _body(GlobalWeightSerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        return Response(GlobalWeightSerializer(global_weight_set(
            course_id=course_id, weight=data["weight"], updated_by=request.user.pk)).data)


class SeasonsView(APIView):
    @extend_schema(operation_id="leaderboard_seasons_list", tags=["leaderboard"],
                   summary="The course's seasons, earliest first",
                   responses={200: SeasonSerializer(many=True), **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(SeasonSerializer(seasons_list(course_id=course_id), many=True).data)

    @extend_schema(operation_id="leaderboard_seasons_create", tags=["leaderboard"],
                   request=SeasonSerializer,
                   examples=[OpenApiExample("Spring season", request_only=True, value={
                       "name": "Spring 2027", "start": "2027-03-01T00:00:00Z",
                       "end": "2027-06-01T00:00:00Z"})],
                   summary="Create a season with its own board (staff); seasons never overlap "
                           "(409 season_overlap)",
                   responses={201: SeasonSerializer, **error_responses(*WRITE_ERRORS, 409)})
    def post(self, request: Request, course_id: str) -> Response:
        _staff_only(request)
        data = _body(SeasonSerializer, request)
        course_access_check(user=request.user, course_id=course_id)
        season = season_create(course_id=course_id, name=data["name"], start=data["start"],
                               end=data["end"], by=request.user.pk)
        return Response(SeasonSerializer(season).data, status=status.HTTP_201_CREATED)
