"""Every API error as JSON `{detail, code}`: domain errors, DRF errors, oversize bodies, and
/api/ errors outside DRF views."""
from __future__ import annotations

import logging

import pymongo.errors
import redis.exceptions
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from mongoengine.errors import DoesNotExist
from mongoengine.errors import ValidationError as MongoValidationError
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

from config.exceptions import DomainError
from config.redis_errors import REDIS_REFUSALS

# Store errors that mean "not reachable right now" (answered 503), as opposed to bugs (500):
# unreachable or still loading (BusyLoadingError is a ConnectionError), or a Redis refusing
# writes for now (out of memory, a replica after a failover, persistence failing).
STORE_OUTAGES = (pymongo.errors.ConnectionFailure, redis.exceptions.ConnectionError,
                 redis.exceptions.TimeoutError, *REDIS_REFUSALS)
STORE_RETRY_AFTER_SECONDS = 5

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def payload_too_large_response() -> JsonResponse:
    """413 naming the limit."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(
        {"detail": f"The request body is larger than the {limit} bytes this service accepts.",
         "code": "payload_too_large", "max_bytes": limit},
        status=413,
    )


class ApiErrorMiddleware:
    """Refuse bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before anything reads them (413), and
    turn HTML error pages and unhandled exceptions under /api/ into JSON errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return payload_too_large_response()
        if _missing_slash(request):
            # Django would redirect (losing the body) or, with DEBUG on, raise a 500.
            return JsonResponse({"detail": f"No endpoint at {request.path}; API URLs end with a "
                                           f"slash: {request.path}/", "code": "not_found"},
                                status=404)
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX) and response.status_code >= 400 \
                and not response.get("Content-Type", "").startswith("application/json"):
            return json_error_response(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path,
                         exc_info=exception)
        return json_error_response(500)


_MESSAGES = {
    400: ("Bad request.", "bad_request"),
    403: ("You may not do this.", "forbidden"),
    404: ("No API endpoint or object at this address.", "not_found"),
    405: ("Method not allowed here.", "method_not_allowed"),
    413: ("The request body is too large.", "payload_too_large"),
    500: ("Internal server error; it was logged.", "server_error"),
}


def json_error_response(status: int) -> JsonResponse:
    """A `{"detail", "code"}` body for a bare status code."""
    detail, code = _MESSAGES.get(status, ("Request failed.", "error"))
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _missing_slash(request: HttpRequest) -> bool:
    """A write to an /api/ URL that exists only with a trailing slash."""
    path = request.path_info
    if request.method in ("GET", "HEAD") or not path.startswith(API_PREFIX) or path.endswith("/"):
        return False
    try:
        resolve(path + "/")
    except Resolver404:
        return False
    return True


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return json_error_response(404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    """JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return json_error_response(500)
    from django.views.defaults import server_error

    return server_error(request)


def api_exception_handler(exc, context):
    """Map domain errors to `{"detail", "code"}` responses; leave DRF's own handling intact."""
    if isinstance(exc, DomainError):
        retry_after = getattr(exc, "retry_after", None)
        return Response({"detail": exc.detail, "code": exc.code, **exc.extra}, status=exc.status_code,
                        headers={"Retry-After": str(retry_after)} if retry_after else None)
    if isinstance(exc, STORE_OUTAGES):
        # A store that does not answer is a moment's outage, not a bug: tell clients to retry.
        logger.warning("store unavailable on %s: %s", context["request"].path, exc)
        return Response({"detail": "A data store is briefly unavailable; nothing was changed. "
                                   "Try again in a few seconds.", "code": "store_unavailable"},
                        status=503, headers={"Retry-After": str(STORE_RETRY_AFTER_SECONDS)})
    if isinstance(exc, DoesNotExist):
        exc = Http404(str(exc))
    if isinstance(exc, MongoValidationError):
        return Response({"detail": f"Invalid data: {exc}", "code": "invalid"}, status=400)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        response.data = _error_body(response.data, getattr(exc, "default_code", "error"))
    return response


def _error_body(data: object, code: str) -> dict:
    """Every error carries a `detail` sentence and a `code`; field errors stay beside them."""
    if not isinstance(data, dict):
        data = {"detail": " ".join(str(message) for message in _messages(data))}
    body = dict(data)
    if not isinstance(body.get("detail"), str):
        body["detail"] = _summary(data) or "Invalid request."
    body.setdefault("code", code)
    return body


def _summary(errors: object, prefix: str = "") -> str:
    """The first field error as `field: message`, e.g. `sections.0.title: This field is required.`."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            found = _summary(value, f"{prefix}{field}." if field != "non_field_errors" else prefix)
            if found:
                return found
        return ""
    if isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, dict | list):
                found = _summary(value, f"{prefix}{index}.")
                if found:
                    return found
            elif value:
                return f"{prefix.rstrip('.')}: {value}" if prefix else str(value)
        return ""
    return f"{prefix.rstrip('.')}: {errors}" if prefix else str(errors)


def _messages(data: object) -> list[str]:
    if isinstance(data, list):
        return [m for item in data for m in _messages(item)]
    return [str(data)]
