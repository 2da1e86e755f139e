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
    if response is not None and isinstance(exc, APIException) and isinstance(response.data, dict):
        response.data.setdefault("code", getattr(exc, "default_code", "error"))
    return response
