"""Worker heartbeats in Redis: each worker stamps its hostname every few seconds; /readyz and
/metrics read the newest stamp to tell whether any worker is alive."""
from __future__ import annotations

import logging
import time

import redis.exceptions
from celery import bootsteps
from django.conf import settings

from config.keys import WORKER_HEARTBEATS_KEY
from config.redis import redis_client

logger = logging.getLogger(__name__)


def worker_heartbeat_write(*, hostname: str) -> None:
    """Stamp this worker as alive now; forget workers silent for much longer than the max age."""
    now = time.time()
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    try:
        client = redis_client()
        pipe = client.pipeline(transaction=False)
        pipe.hset(WORKER_HEARTBEATS_KEY, hostname, now)
        # The whole hash disappears once every worker has been silent for a while.
        pipe.expire(WORKER_HEARTBEATS_KEY, max_age * 10)
        pipe.hgetall(WORKER_HEARTBEATS_KEY)
        stamps = pipe.execute()[-1]
        gone = [host for host, stamp in stamps.items() if now - float(stamp) > max_age * 10]
        if gone:
            client.hdel(WORKER_HEARTBEATS_KEY, *gone)
    except redis.exceptions.RedisError as exc:
        logger.warning("worker heartbeat not written: %s", exc)


def worker_heartbeats_get() -> dict[str, float]:
    """Seconds since each known worker's last heartbeat (raises if Redis is unreachable)."""
    now = time.time()
    stamps = redis_client().hgetall(WORKER_HEARTBEATS_KEY)
    return {host.decode(): round(max(now - float(stamp), 0.0), 3) for host, stamp in stamps.items()}


def worker_heartbeat_clear(*, hostname: str) -> None:
    """Remove a stopping worker's stamp so readiness reflects it at once."""
    try:
        redis_client().hdel(WORKER_HEARTBEATS_KEY, hostname)
    except redis.exceptions.RedisError as exc:
        logger.warning("worker heartbeat not cleared: %s", exc)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Bootstep: write a heartbeat on start and then every WORKER_HEARTBEAT_SECONDS."""

    name = "lms.WorkerHeartbeat"
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.hostname = None

    def start(self, worker) -> None:
        self.hostname = worker.hostname
        self.beat()
        self.tref = worker.timer.call_repeatedly(settings.WORKER_HEARTBEAT_SECONDS, self.beat)

    def beat(self) -> None:
        worker_heartbeat_write(hostname=self.hostname)

    def stop(self, worker) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
            worker_heartbeat_clear(hostname=self.hostname)

    shutdown = stop
