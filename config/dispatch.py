"""Queue derived work without ever failing the request: if the broker is down, park it.

Tasks are sent by name; CELERY_TASK_ROUTES picks the queue, so the API process never needs
to import the task modules.
"""
from __future__ import annotations

import logging
import threading
import time

import kombu.exceptions
import redis.exceptions
from celery import current_app
from django.conf import settings
from mongoengine.errors import NotUniqueError

from config.documents import PendingWork

logger = logging.getLogger(__name__)

BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


class _BrokerCircuit:
    """Per-process breaker: after a failed publish, skip the broker for a few seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0

    def is_open(self) -> bool:
        with self._lock:
            return time.monotonic() < self._open_until

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + settings.BROKER_CIRCUIT_OPEN_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


broker_circuit = _BrokerCircuit()


def task_dispatch(*, task_name: str, kwargs: dict, pending_key: str, task_id: str | None = None,
                  countdown: float | None = None) -> bool:
    """Publish a task; on broker failure record it as pending and return False."""
    if broker_circuit.is_open():
        # The broker failed moments ago: park at once instead of waiting for another timeout.
        pending_work_record(task_name=task_name, kwargs=kwargs, key=pending_key)
        return False
    try:
        current_app.send_task(task_name, kwargs=kwargs, task_id=task_id, countdown=countdown)
        return True
    except BROKER_ERRORS as exc:
        broker_circuit.trip()
        logger.warning("broker unavailable, parking %s %s: %s", task_name, kwargs, exc)
        pending_work_record(task_name=task_name, kwargs=kwargs, key=pending_key)
        return False


def pending_work_record(*, task_name: str, kwargs: dict, key: str) -> None:
    """Store one unit of parked work; the same key is stored once."""
    try:
        PendingWork(key=key, task_name=task_name, kwargs=kwargs).save()
    except NotUniqueError:
        pass


def pending_work_sweep(*, limit: int = 1000) -> int:
    """Re-publish parked work, oldest first; stop at the first broker failure. Returns count."""
    sent = 0
    for work in PendingWork.objects.order_by("created_at").limit(limit):
        try:
            current_app.send_task(work.task_name, kwargs=work.kwargs)
        except BROKER_ERRORS as exc:
            broker_circuit.trip()
            logger.warning("pending sweep stopped, broker still unavailable: %s", exc)
            break
        broker_circuit.reset()
        work.delete()
        sent += 1
    if sent:
        logger.info("pending sweep re-queued %d task(s)", sent)
    return sent


def pending_work_count() -> int:
    """How many units of work wait for the broker."""
    return PendingWork.objects.count()
