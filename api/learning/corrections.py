"""HTTP views of staff corrections: marks overrides, course resets, user erasure."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.learning.correction_serializers import (
    CorrectionQuerySerializer,
    OverrideChangeListSerializer,
    OverrideChangeSerializer,
    OverrideInForceListSerializer,
    OverrideRemoveSerializer,
    OverrideSetSerializer,
    ResetListSerializer,
    ResetRequestSerializer,
    ResetSerializer,
)
from api.learning.views import _validated
from api.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from api.permissions import IsStaff
from config.exceptions import Forbidden, InvalidInput
from flows.corrections import learner_reset, override_remove, override_set
from flows.erasure import user_erase
from learning.correction_selectors import (
    course_resets_list,
    override_changes_list,
    overrides_in_force,
)
from learning.policy import marks_revealed
from learning.selectors import course_access_check, course_outline_get

_MAX_USER_ID_DIGITS = 18
OVERRIDE_EXAMPLES = [
    OpenApiExample("Lower a quiz's marks after a review",
                   value={"user_id": 5, "content_id": "6650f0c2a1b2c3d4e5f60719", "marks": 4,
                          "reason": "Answers copied from another learner (case 2026-118)."},
                   request_only=True),
]


def user_id_parse(raw: str) -> int:
    """A user id from a URL: a positive integer, else 400 `invalid_id`."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_USER_ID_DIGITS or int(raw) < 1:
        raise InvalidInput("user_id must be a positive integer", code="invalid_id")
    return int(raw)


def _staff_required(request: Request, what: str) -> None:
    if not request.user.is_staff:
        raise Forbidden(f"Only staff may {what}.", code="staff_only")


def _query(request: Request, course_id: str) -> dict:
    """Validated filters; a learner reads their own corrections only (in a course of theirs)."""
    query = CorrectionQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = dict(query.validated_data)
    course_access_check(user=request.user, course_id=course_id)
    if not request.user.is_staff:
        if data.get("user_id", request.user.pk) != request.user.pk:
            raise Forbidden("Only staff may read another learner's corrections.",
                            code="staff_only")
        data["user_id"] = request.user.pk
    return data


def _hidden_items(request: Request, course_id: str) -> set[str]:
    """Items whose marks a learner may not see yet (their policy); staff see every mark."""
    if request.user.is_staff:
        return set()
    outline, now = course_outline_get(course_id=course_id), timezone.now()
    return {item.id for item in outline.items()
            if not marks_revealed(outline.policy_index[item.id], item.due_at, now)}


class CourseOverridesView(APIView):
    @extend_schema(operation_id="overrides_list", tags=["corrections"],
                   summary="Marks overrides in force in a course (learners: their own)",
                   parameters=[CorrectionQuerySerializer],
                   responses={200: OverrideInForceListSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = _query(request, course_id)
        found = overrides_in_force(
            course_id=course_id, item_id=query.get("content_id"),
            user_ids=[query["user_id"]] if "user_id" in query else None)
        page = found[query["offset"]:query["offset"] + query["limit"]]
        context = {"hidden_items": _hidden_items(request, course_id)}
        return Response(OverrideInForceListSerializer({"count": len(found), "results": page},
                                                      context=context).data)

    @extend_schema(operation_id="overrides_set", tags=["corrections"],
                   request=OverrideSetSerializer, examples=OVERRIDE_EXAMPLES,
                   summary="Set a learner's marks for an item, replacing their best attempt (staff)",
                   description="Recorded with who, when and why; the learner's progress, grade "
                               "and boards follow in the background (202). Setting it again "
                               "records another change; nothing is overwritten.",
                   responses={202: OverrideChangeSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str) -> Response:
        _staff_required(request, "override marks")
        data = _validated(OverrideSetSerializer, request)
        change = override_set(actor=request.user, course_id=course_id, data=data)
        return Response(OverrideChangeSerializer(change).data, status=status.HTTP_202_ACCEPTED)


class CourseOverrideRemoveView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="overrides_remove", tags=["corrections"],
                   request=OverrideRemoveSerializer,
                   summary="Remove a learner's override on an item: the best attempt counts again "
                           "(staff)",
                   responses={202: OverrideChangeSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str) -> Response:
        data = _validated(OverrideRemoveSerializer, request)
        change = override_remove(actor=request.user, course_id=course_id, data=data)
        return Response(OverrideChangeSerializer(change).data, status=status.HTTP_202_ACCEPTED)


class CourseOverrideChangesView(APIView):
    @extend_schema(operation_id="overrides_changes_list", tags=["corrections"],
                   summary="Every override change in a course, newest first (learners: their own)",
                   parameters=[CorrectionQuerySerializer],
                   responses={200: OverrideChangeListSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = _query(request, course_id)
        count, changes = override_changes_list(course_id=course_id, user_id=query.get("user_id"),
                                               item_id=query.get("content_id"),
                                               limit=query["limit"], offset=query["offset"])
        context = {"hidden_items": _hidden_items(request, course_id)}
        return Response(OverrideChangeListSerializer({"count": count, "results": changes},
                                                     context=context).data)


class LearnerResetView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="learner_reset", tags=["corrections"],
                   request=ResetRequestSerializer,
                   summary="Start a learner over in a course: attempts archived, overrides "
                           "removed, progress and attempt counts emptied (staff)",
                   responses={202: ResetSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str, user_id: str) -> Response:
        learner_id = user_id_parse(user_id)
        data = _validated(ResetRequestSerializer, request)
        reset = learner_reset(actor=request.user, course_id=course_id, user_id=learner_id,
                              reason=data["reason"])
        return Response(ResetSerializer(reset).data, status=status.HTTP_202_ACCEPTED)


class CourseResetsView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="resets_list", tags=["corrections"],
                   summary="Resets in a course, newest first (staff)",
                   parameters=[CorrectionQuerySerializer],
                   responses={200: ResetListSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = _query(request, course_id)
        count, resets = course_resets_list(course_id=course_id, user_id=query.get("user_id"),
                                           limit=query["limit"], offset=query["offset"])
        return Response(ResetListSerializer({"count": count, "results": resets}).data)


class UserDetailView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="users_erase", tags=["users"], request=None,
                   summary="Erase a user (staff): personal data removed, their work kept "
                           "anonymous, boards and reports updated",
                   description="Idempotent: erasing an erased user answers 204 again. The "
                               "account is deactivated and scrubbed, tokens and profile deleted; "
                               "see docs/api.md for what is kept and why.",
                   responses={204: None, **error_responses(400, 401, 403, 404, 503)})
    def delete(self, request: Request, user_id: str) -> Response:
        user_erase(actor=request.user, user_id=user_id_parse(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
