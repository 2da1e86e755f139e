"""OpenAPI pieces shared by every app: the error shape and the documented error responses."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every 4xx/5xx body; validation errors add one entry per field beside these two."""

    detail = serializers.CharField(help_text="What is wrong, as a sentence.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_enrolled`.")


_DESCRIPTIONS = {
    400: "Invalid input: malformed JSON, a malformed 24-hex id, a value of the wrong type or out "
         "of range, or a domain rule broken. Field errors are listed by field beside "
         "`detail` and `code`.",
    401: "No credentials or invalid ones (`WWW-Authenticate: Token`).",
    403: "Not allowed: staff only, another learner's data, not enrolled (`not_enrolled`), or the "
         "item is locked (`item_locked`, with a `locked` object giving the reasons).",
    404: "No such course or item (or an unpublished course for a learner).",
    409: "Conflict with stored data (a taken slug or username), or the task queue is unreachable "
         "and the work was recorded to run later (`queued_later`).",
    413: "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`payload_too_large`).",
    415: "The body is not JSON (send `Content-Type: application/json`).",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for `extend_schema(responses=...)`."""
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status])
            for status in statuses}


READ_ERRORS = (400, 401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 413, 415)


# --- Views documented from here, so their modules stay free of schema detail -------------------

class _DocumentedView(OpenApiViewExtension):
    """Annotate a view class's methods with `extend_schema` arguments from `schemas()`."""

    target_class = ""

    def schemas(self) -> dict[str, dict]:
        raise NotImplementedError

    def view_replacement(self):
        return extend_schema_view(**{method: extend_schema(**kwargs)
                                     for method, kwargs in self.schemas().items()})(self.target)


class AuthTokenView(_DocumentedView):
    target_class = "rest_framework.authtoken.views.ObtainAuthToken"
    match_subclasses = True
    priority = 1  # over drf-spectacular's own extension for this view

    def schemas(self):
        from leaderboard.api.schema import TokenRequestSerializer, TokenSerializer

        return {"post": dict(
            operation_id="auth_token_create", tags=["auth"], auth=[],
            summary="Exchange a username and password for an API token",
            request={"application/json": TokenRequestSerializer},
            responses={200: TokenSerializer, **error_responses(400, 413, 415)})}


class LeaderboardPageView(_DocumentedView):
    target_class = "leaderboard.api.views.LeaderboardView"

    def schemas(self):
        from leaderboard.api.schema import LeaderboardPageSerializer
        from leaderboard.api.views import PageQuerySerializer

        return {"get": dict(
            operation_id="leaderboard_list", tags=["leaderboard"], parameters=[PageQuerySerializer],
            summary="A page of a course's leaderboard, best first",
            responses={200: LeaderboardPageSerializer, **error_responses(*READ_ERRORS)})}


class LeaderboardMeView(_DocumentedView):
    target_class = "leaderboard.api.views.LeaderboardMeView"

    def schemas(self):
        from leaderboard.api.schema import LeaderboardMeSerializer
        from leaderboard.api.views import MeQuerySerializer

        return {"get": dict(
            operation_id="leaderboard_me_retrieve", tags=["leaderboard"],
            parameters=[MeQuerySerializer], summary="The caller's rank, score and neighbours",
            responses={200: LeaderboardMeSerializer, **error_responses(*READ_ERRORS)})}


class LeaderboardUserView(_DocumentedView):
    target_class = "leaderboard.api.views.LeaderboardUserView"

    def schemas(self):
        from leaderboard.api.schema import LeaderboardMeSerializer
        from leaderboard.api.views import MeQuerySerializer

        return {"get": dict(
            operation_id="leaderboard_user_retrieve", tags=["leaderboard"],
            parameters=[MeQuerySerializer],
            summary="A learner's rank, score and neighbours (own, or any learner for staff)",
            responses={200: LeaderboardMeSerializer, **error_responses(*READ_ERRORS)})}


class LeaderboardConfigView(_DocumentedView):
    target_class = "leaderboard.api.views.LeaderboardConfigView"

    def schemas(self):
        from leaderboard.api.schema import LeaderboardConfigSerializer
        from leaderboard.api.views import ConfigSerializer

        return {
            "get": dict(operation_id="leaderboard_config_retrieve", tags=["leaderboard"],
                        summary="How the course's board ranks ties",
                        responses={200: LeaderboardConfigSerializer,
                                   **error_responses(*READ_ERRORS)}),
            "put": dict(operation_id="leaderboard_config_update", tags=["leaderboard"],
                        request=ConfigSerializer,
                        summary="Set the course's ranking mode, or null for the default (staff)",
                        responses={200: LeaderboardConfigSerializer,
                                   **error_responses(*WRITE_ERRORS)}),
        }


class LeaderboardRebuildView(_DocumentedView):
    target_class = "leaderboard.api.views.LeaderboardRebuildView"

    def schemas(self):
        from leaderboard.api.schema import RebuildAcceptedSerializer

        return {"post": dict(
            operation_id="leaderboard_rebuild_create", tags=["leaderboard"], request=None,
            summary="Queue a rebuild of the board from MongoDB (staff)",
            responses={202: RebuildAcceptedSerializer, **error_responses(*READ_ERRORS, 409)})}


def document_object_id_path_parameters(result, generator, request, public):
    """Course ids are 24-hex MongoDB ids: say so on every `{course_id}` path parameter."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] == "course_id":
                    parameter["schema"] = {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}
                    parameter.setdefault("description", "A 24-hex id; anything else gets 400 "
                                                        "`invalid_id`, an unknown one 404.")
    return result
