"""Domain errors and their one mapping to HTTP responses."""
from __future__ import annotations

import logging

from django.http import Http404
from mongoengine.errors import DoesNotExist
from mongoengine.errors import ValidationError as MongoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of errors a client can fix; each carries an HTTP status and a short code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra or {}


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule of the domain."""


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Locked(DomainError):
    """The learner may not attempt this item yet; `extra` carries the reasons."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "item_locked"


def api_exception_handler(exc, context):
    """Map domain errors to `{"detail", "code"}` responses; leave DRF's own handling intact."""
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, "code": exc.code, **exc.extra}, status=exc.status_code)
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
