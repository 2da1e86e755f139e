"""Coalescing claims: a marker that says "this work is queued", so a burst of requests for the
same work queues one task. Several claims are taken in one Redis round trip.

A claim may also keep runs apart: with a minimum interval, work claimed within it of the last
run is queued with the delay still left.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.exceptions

from config.redis import redis_client

logger = logging.getLogger(__name__)

# KEYS[1] the marker, KEYS[2] the "ran lately" key; ARGV marker TTL (s), minimum interval (ms).
# -1: already queued. Otherwise the delay (ms) before the work may run.
_CLAIM = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return -1 end
if tonumber(ARGV[2]) <= 0 then return 0 end
if redis.call('SET', KEYS[2], 1, 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then return 0 end
return left
"""


@dataclass(frozen=True, slots=True)
class Claim:
    """The marker of one unit of work, and (optionally) its minimum interval between runs."""

    marker: str
    ttl_seconds: int
    recent_key: str = ""
    min_interval_ms: int = 0


def claims_take(claims: list[Claim]) -> list[int | None]:
    """For each claim: None when the work is already queued, else the delay in milliseconds
    before it may run. With Redis down every claim is granted at once: work is never lost
    for want of coalescing."""
    if not claims:
        return []
    try:
        pipe = redis_client().pipeline(transaction=False)
        for claim in claims:
            pipe.eval(_CLAIM, 2, claim.marker, claim.recent_key or claim.marker + ":recent",
                      claim.ttl_seconds, claim.min_interval_ms)
        answers = pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("cache unavailable, queueing without coalescing: %s", exc)
        return [0] * len(claims)
    return [None if answer < 0 else int(answer) for answer in answers]


def claims_release(claims: list[Claim]) -> None:
    """Give claims back (their work could not be queued), so the next request queues it."""
    if not claims:
        return
    try:
        redis_client().delete(*(claim.marker for claim in claims))
    except redis.exceptions.RedisError as exc:
        logger.warning("coalescing markers not cleared: %s", exc)
