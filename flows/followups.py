"""Redoing the follow-ups a dead request left flagged (the sweep's repair steps share this)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

import redis.exceptions
from pymongo.errors import PyMongoError

logger = logging.getLogger(__name__)

# What a follow-up may meet while a store is down: the sweep tries again later.
FOLLOW_UP_ERRORS = (PyMongoError, redis.exceptions.RedisError)

T = TypeVar("T")


def followups_redo(found: Iterable[T], follow_up: Callable[[T], None], *, what: str,
                   size: Callable[[T], int] = lambda _: 1) -> int:
    """Run each left-over follow-up again and count what it finished (`size` of each); one that
    fails again is left flagged for the next sweep, and the others go on."""
    repaired = 0
    for item in found:
        try:
            follow_up(item)
        except FOLLOW_UP_ERRORS as exc:
            logger.warning("%s %s: follow-up failed again: %s", what, getattr(item, "id", ""), exc)
            continue
        repaired += size(item)
    if repaired:
        logger.warning("finished the follow-up of %d %s(s) a dead request left", repaired, what)
    return repaired
