"""Queue derived work without ever failing the request: if the broker is down, park it.

Tasks are sent by name; CELERY_TASK_ROUTES picks the queue, so the API process never needs
to import the task modules.
"""
from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from celery import current_app
from mongoengine.errors import NotUniqueError

from learning.documents import PendingWork

logger = logging.getLogger(__name__)

BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


def task_dispatch(*, task_name: str, kwargs: dict, pending_key: str, task_id: str | None = None) -> bool:
    """Publish a task; on broker failure record it as pending and return False."""
    try:
        current_app.send_task(task_name, kwargs=kwargs, task_id=task_id)
        return True
    except BROKER_ERRORS as exc:
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
            logger.warning("pending sweep stopped, broker still unavailable: %s", exc)
            break
        work.delete()
        sent += 1
    if sent:
        logger.info("pending sweep re-queued %d task(s)", sent)
    return sent


def pending_work_count() -> int:
    """How many units of work wait for the broker."""
    return PendingWork.objects.count()
