"""The raw Redis client for explicit keys (progress cache, leaderboards, markers)."""
from __future__ import annotations

import redis
from django_redis import get_redis_connection


def redis_client() -> redis.Redis:
    """The cache Redis connection (REDIS_URL), shared with django-redis's pool."""
    return get_redis_connection("default")
