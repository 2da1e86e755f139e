"""One decorator for every domain task, so they all share the same delivery guarantees."""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import pymongo.errors
import redis.exceptions
from celery import shared_task

from config.exceptions import NotFound
from config.redis_errors import REDIS_REFUSALS

logger = logging.getLogger(__name__)

# Errors worth retrying: the data stores were briefly unreachable, or Redis refused writes for
# now. Anything else is a bug or bad data and must surface in Flower instead of looping.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    *REDIS_REFUSALS,
    pymongo.errors.AutoReconnect,
    pymongo.errors.ServerSelectionTimeoutError,
    pymongo.errors.NetworkTimeout,
)


def domain_task(*, name: str, max_retries: int = 5) -> Callable:
    """Register an idempotent task: ack late, requeue on worker loss, retry transient errors.

    Work about something deleted meanwhile (a course, a learner) is done: there is nothing left
    to compute, so the run succeeds and settles its outbox entry instead of failing forever.
    Queues are assigned in settings (CELERY_TASK_ROUTES), Celery's supported place for them.
    """
    def register(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except NotFound as exc:
                logger.info("%s: nothing to do, %s", name, exc.detail)
                return {"skipped": exc.detail}

        return shared_task(
            name=name,
            # Safe because every domain task recomputes from MongoDB: running twice changes nothing.
            acks_late=True,
            reject_on_worker_lost=True,
            autoretry_for=TRANSIENT_ERRORS,
            retry_backoff=True,
            retry_backoff_max=60,
            retry_jitter=True,
            max_retries=max_retries,
        )(run)

    return register
