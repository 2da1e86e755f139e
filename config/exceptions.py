"""Domain errors: what a client can fix, each with its HTTP status (mapped in api.errors)."""
from __future__ import annotations

from rest_framework import status


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


class PreconditionFailed(DomainError):
    """The client's If-Match names a revision that is no longer the stored one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "precondition_failed"


class TooSoon(DomainError):
    """The learner must wait before trying again; `Retry-After` says how long."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "attempt_cooldown"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, extra={"retry_after": retry_after})
        self.retry_after = retry_after


class Locked(DomainError):
    """The learner may not attempt this item yet; `extra` carries the reasons."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "item_locked"
