"""Redis errors that mean "up, but refusing writes for now": outages to wait out, not bugs."""
from __future__ import annotations

import redis.exceptions
from redis._parsers.base import BaseParser


class RedisWritesRefused(redis.exceptions.ResponseError):
    """MISCONF: Redis refuses writes (and PING) because it cannot persist, e.g. a full disk."""


# redis-py maps error prefixes to classes in one table that its parsers (hiredis and Python)
# share, but has none for MISCONF: it would come as a bare ResponseError, like a bug of ours.
BaseParser.EXCEPTION_CLASSES.setdefault("MISCONF", RedisWritesRefused)

# Out of memory under `noeviction`, a replica still taken for the primary after a failover,
# persistence failing: each ends when the operator (or Redis) fixes it, and reads still work.
# MISCONF's class is read back from the table: redis-py's own, should it ever bring one.
REDIS_REFUSALS: tuple[type[redis.exceptions.ResponseError], ...] = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    BaseParser.EXCEPTION_CLASSES["MISCONF"],
)
