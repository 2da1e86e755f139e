"""Abuse limits: DRF throttles counted in Redis, rates from settings.THROTTLE_RATES.

Each check is one round trip: a Lua script keeps the times of the requests let through in the
last window (a sorted set), drops the older ones, and lets this one through if there is room,
atomically. DRF's own throttle does the same in two round trips (read the list, write it back)
and lets concurrent requests slip past each other. A limit hit answers 429 with Retry-After
(when the oldest counted request leaves the window). When Redis is unreachable the limits let
requests through: the service keeps serving (attempts are stored and their work waits in the
outbox) rather than refusing everyone while the cache is away.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.fields import BooleanField
from rest_framework.throttling import SimpleRateThrottle

from config.redis import script_run

# KEYS[1] the log; ARGV now, window (seconds), limit, a unique member.
# Returns 0 when let through, else the time of the oldest request still counted.
_SLIDING_LOG = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return oldest[2]
"""

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
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        try:
            oldest = script_run(_SLIDING_LOG, [self.key], [repr(now), self.duration,
                                self.num_requests, f"{now!r}:{secrets.token_hex(4)}"])
        except RedisError as exc:
            logger.warning("throttle %s not checked, the cache is unreachable: %s", self.scope, exc)
            return True
        if not oldest:
            return True
        self._wait = float(oldest) + self.duration - now
        return False

    def wait(self) -> float:
        return max(1, math.ceil(getattr(self, "_wait", self.duration)))

    def ident_of(self, value: str) -> str:
        """A fixed-length key part for any value (usernames may hold any character)."""
        return hashlib.sha256(value.encode()).hexdigest()[:32]


def login_name(username: str) -> str:
    """The account a login names, as the limit counts it: the login form strips surrounding
    whitespace before it checks the password, so " ada\n" is a guess at "ada"."""
    return username.strip().lower()


class LoginUsernameThrottle(SettingsRateThrottle):
    """Password guesses against one username, from any address, staff accounts included."""

    scope = "login_username"

    def get_cache_key(self, request, view) -> str | None:
        # A DRF request's body, or the admin login form's.
        form = request.data if hasattr(request, "data") else request.POST
        username = form.get("username") if hasattr(form, "get") else None
        if not isinstance(username, str) or not username:
            return None  # nothing to count: the view refuses the request anyway
        return self.cache_format % {"scope": self.scope, "ident": self.ident_of(login_name(username))}


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
        # Every spelling the query's boolean field reads as true ("t", "Y", ...), not a subset.
        if request.query_params.get("fresh", "").lower() not in BooleanField.TRUE_VALUES:
            return True
        return super().allow_request(request, view)


class UserCreateThrottle(UserScopedThrottle):
    """Accounts created by one staff member."""

    scope = "user_create"
