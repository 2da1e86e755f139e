"""OpenAPI pieces shared by every app: the error shape and the documented error responses."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
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
    409: "Conflict with stored data (a taken slug or username), an edit that raced another one "
         "(`edit_conflict`), or the task queue is unreachable and the work was recorded to run "
         "later (`queued_later`).",
    412: "If-Match names a revision the course no longer has (`precondition_failed`, with the "
         "current `revision`).",
    413: "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`payload_too_large`).",
    415: "The body is not JSON (send `Content-Type: application/json`).",
    503: "A data store is briefly unavailable (`store_unavailable`); nothing was changed. Retry "
         "after the `Retry-After` seconds.",
    429: "Too many requests: a limit was hit (logins per username and per address, attempts per "
         "learner, `?fresh=true` reads, user creation) or the item's cooldown between attempts "
         "has not passed (`attempt_cooldown`); `Retry-After` says how many seconds to wait.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses for `extend_schema(responses=...)`."""
    return {status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status])
            for status in statuses}


READ_ERRORS = (400, 401, 403, 404, 503)
WRITE_ERRORS = (400, 401, 403, 404, 413, 415, 503)


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
