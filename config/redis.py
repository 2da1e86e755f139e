"""The raw Redis client for explicit keys (progress cache, leaderboards, markers)."""
from __future__ import annotations

import redis
from django_redis import get_redis_connection


def redis_client() -> redis.Redis:
    """The cache Redis connection (REDIS_URL), shared with django-redis's pool."""
    return get_redis_connection("default")


_scripts: dict[str, redis.commands.core.Script] = {}


def script_run(script: str, keys: list, args: list, client: redis.Redis | None = None):
    """Run a Lua script by its SHA1 (EVALSHA): Redis is not sent and does not hash its text on
    every call. After a restart or SCRIPT FLUSH, redis-py loads it again (one more round trip)."""
    client = client or redis_client()
    found = _scripts.get(script)
    if found is None:
        found = _scripts[script] = client.register_script(script)
    return found(keys=keys, args=args, client=client)
