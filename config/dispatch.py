"""Derived work that is done at least once: recorded in the outbox, then published.

`task_dispatch` writes an outbox entry (MongoDB) and publishes the task (a `DispatchBatch` does
the same for several at once: one MongoDB write, one Redis round trip); the task's successful
run deletes the entry (`outbox_done`, connected to Celery's task_success). Whatever happens in
between — the broker is down, Redis loses the message, the task runs out of retries, its worker
is killed — the entry stays and `outbox_sweep` (beat, every PENDING_SWEEP_SECONDS) publishes it
again once due, with a back-off per entry. Tasks are idempotent, so a repeat changes nothing.

Tasks are sent by name; CELERY_TASK_ROUTES picks the queue, so the API process never needs to
import the task modules.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import kombu.exceptions
import redis.exceptions
from celery import current_app
from celery.signals import task_failure, task_success
from django.conf import settings
from django.utils import timezone
from pymongo import UpdateOne

from config.documents import OutboxEntry

logger = logging.getLogger(__name__)

# BatchPublishError: a pipelined publish failed part-way (delivery uncertain); the outbox entries
# stand, and a repeat is harmless (tasks are idempotent).
BROKER_ERRORS = (kombu.exceptions.OperationalError, kombu.exceptions.BatchPublishError,
                 redis.exceptions.RedisError, OSError)
# Celery message header naming the outbox entry a run settles: [key, generation].
OUTBOX_HEADER = "outbox"


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


@dataclass(frozen=True)
class _Work:
    task_name: str
    kwargs: dict
    key: str
    task_id: str | None
    countdown: float | None
    # Each request for a key gets a new generation, so a run settles only the request it was
    # published for; a request that came in meanwhile keeps the entry.
    generation: str = field(default_factory=lambda: secrets.token_hex(8))


class DispatchBatch:
    """Derived work requested together: the outbox entries in one MongoDB write, the messages
    in one pipelined Redis round trip. Requests with the same key share one entry."""

    def __init__(self) -> None:
        self._work: list[_Work] = []

    def add(self, *, task_name: str, kwargs: dict, key: str, task_id: str | None = None,
            countdown: float | None = None) -> None:
        self._work.append(_Work(task_name, kwargs, key, task_id, countdown))

    def send(self) -> bool:
        """Record, then publish; False when the broker refused (the sweep publishes later)."""
        if not self._work:
            return True
        now = timezone.now()
        OutboxEntry._get_collection().bulk_write([UpdateOne(
            {"_id": work.key},
            {"$set": {"task_name": work.task_name, "kwargs": work.kwargs,
                      "generation": work.generation, "published": 0,
                      "due_at": now + timedelta(seconds=(work.countdown or 0)
                                                + settings.OUTBOX_REDELIVER_SECONDS)},
             "$setOnInsert": {"created_at": now}},
            upsert=True) for work in self._work], ordered=False)
        return _publish(self._work)


def task_dispatch(*, task_name: str, kwargs: dict, key: str, task_id: str | None = None,
                  countdown: float | None = None) -> bool:
    """Record the work in the outbox and publish it; False when the broker refused (the sweep
    publishes it later). Requests with the same key share one entry."""
    batch = DispatchBatch()
    batch.add(task_name=task_name, kwargs=kwargs, key=key, task_id=task_id, countdown=countdown)
    return batch.send()


def _publish(work: list[_Work]) -> bool:
    if broker_circuit.is_open():
        # The broker failed moments ago: leave it to the sweep instead of waiting for a timeout.
        _due_now([w.key for w in work])
        return False
    try:
        app = current_app
        with app.producer_or_acquire() as producer, producer.batch():
            for w in work:
                app.send_task(w.task_name, kwargs=w.kwargs, task_id=w.task_id,
                              countdown=w.countdown, producer=producer,
                              headers={OUTBOX_HEADER: [w.key, w.generation]})
        return True
    except BROKER_ERRORS as exc:
        broker_circuit.trip()
        logger.warning("broker unavailable, %s wait(s) in the outbox: %s",
                       ", ".join(w.key for w in work), exc)
        _due_now([w.key for w in work])
        return False


def _due_now(keys: list[str]) -> None:
    OutboxEntry._get_collection().update_many({"_id": {"$in": keys}},
                                              {"$set": {"due_at": timezone.now()}})


def outbox_done(*, key: str, generation: str) -> bool:
    """Settle an entry after a successful run; an entry re-requested meanwhile stays."""
    result = OutboxEntry._get_collection().delete_one({"_id": key, "generation": generation})
    return result.deleted_count == 1


@task_success.connect
def _settle_outbox_entry(sender=None, **kwargs) -> None:
    """A successful run settles the outbox entry it was published for."""
    marker = getattr(sender.request, OUTBOX_HEADER, None) if sender is not None else None
    if marker:
        key, generation = marker
        outbox_done(key=key, generation=generation)


@task_failure.connect
def _report_parked_work(sender=None, task_id=None, exception=None, **kwargs) -> None:
    """A run that failed for good (retries used up, or an error that is not retried) leaves its
    entry in the outbox: say so, so operators know the sweep will try it again."""
    marker = getattr(sender.request, OUTBOX_HEADER, None) if sender is not None else None
    if marker:
        logger.warning("task %s[%s] failed (%s: %s); %s stays in the outbox for the sweep",
                       sender.name, task_id, type(exception).__name__, exception, marker[0])


def outbox_sweep(*, limit: int = 1000) -> int:
    """Publish due entries again, oldest first, each with a doubling back-off; stop at the first
    broker failure. Returns how many were published."""
    collection = OutboxEntry._get_collection()
    now = timezone.now()
    sent = 0
    for entry in collection.find({"due_at": {"$lte": now}}).sort("due_at", 1).limit(limit):
        key = entry["_id"]
        try:
            current_app.send_task(entry["task_name"], kwargs=entry["kwargs"],
                                  headers={OUTBOX_HEADER: [key, entry["generation"]]})
        except BROKER_ERRORS as exc:
            broker_circuit.trip()
            logger.warning("outbox sweep stopped, broker still unavailable: %s", exc)
            break
        broker_circuit.reset()
        published = entry.get("published", 0) + 1
        backoff = min(settings.OUTBOX_REDELIVER_SECONDS * 2 ** published,
                      settings.OUTBOX_MAX_BACKOFF_SECONDS)
        collection.update_one({"_id": key, "generation": entry["generation"]},
                              {"$set": {"due_at": now + timedelta(seconds=backoff),
                                        "published": published}})
        sent += 1
    if sent:
        logger.warning("outbox sweep published %d task(s) again", sent)
    return sent


def outbox_count(*, due_only: bool = False) -> int:
    """Entries waiting for a successful run (only those due now, with `due_only`)."""
    query = {"due_at": {"$lte": timezone.now()}} if due_only else {}
    return OutboxEntry._get_collection().count_documents(query)
