"""A task with the real tasks' delivery options that records its runs in Redis (crash tests)."""
from __future__ import annotations

import os
import time

import redis

from config.tasks import domain_task

PROBE = "RELIABILITY_PROBE"


@domain_task(name=PROBE)
def reliability_probe(record_url: str, key: str, hold_seconds: float = 60) -> str:
    """Record a start, wait until the test releases it, record the finish."""
    client = redis.Redis.from_url(record_url)
    client.rpush(f"{key}:started", os.getpid())
    deadline = time.monotonic() + hold_seconds
    while not client.exists(f"{key}:release") and time.monotonic() < deadline:
        time.sleep(0.02)
    client.rpush(f"{key}:finished", os.getpid())
    return "done"
