"""Abuse limits: DRF throttles counted in the Redis cache, rates from settings.THROTTLE_RATES.

A limit hit answers 429 with Retry-After. When Redis is unreachable the limits let requests
through: the service keeps serving (attempts are stored and their work waits in the outbox)
rather than refusing everyone while the cache is away.
"""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is read from settings.THROTTLE_RATES[scope] on each request."""

    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_rate(self) -> str:
        return settings.THROTTLE_RATES[self.scope]

    def allow_request(self, request, view) -> bool:
        # SimpleRateThrottle reads its rate once, at construction; a settings change applies now.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except (RedisError, ConnectionInterrupted) as exc:
            logger.warning("throttle %s not checked, the cache is unreachable: %s", self.scope, exc)
            return True

    def ident_of(self, value: str) -> str:
        """A fixed-length key part for any value (usernames may hold any character)."""
        return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginUsernameThrottle(SettingsRateThrottle):
    """Password guesses against one username, from any address, staff accounts included."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None  # nothing to count: the view refuses the request anyway
        return self.cache_format % {"scope": self.scope, "ident": self.ident_of(username.lower())}


class LoginAddressThrottle(SettingsRateThrottle):
    """Login requests from one client address, whatever the usernames."""

    scope = "login_address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserScopedThrottle(SettingsRateThrottle):
    """Requests of one authenticated user (the view has authenticated them already)."""

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AttemptThrottle(UserScopedThrottle):
    """Attempts submitted by one learner (or grades by one staff member), across courses."""

    scope = "attempts"


class FreshProgressThrottle(UserScopedThrottle):
    """`?fresh=true` progress reads (each computes at once) by one user."""

    scope = "fresh_progress"

    def allow_request(self, request, view) -> bool:
        if request.query_params.get("fresh", "").lower() not in ("true", "1", "yes", "on"):
            return True
        return super().allow_request(request, view)


class UserCreateThrottle(UserScopedThrottle):
    """Accounts created by one staff member."""

    scope = "user_create"
