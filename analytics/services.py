"""Writes of the analytics app: activity events, queued then stored by LOG_ACTIVITY."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from mongoengine.errors import NotUniqueError

from analytics.documents import ActivityLog
from config.dispatch import DispatchBatch, task_dispatch
from config.task_names import LOG_ACTIVITY


def activity_log_request(*, user_id: int, verb: str, course_id: str | None = None,
                         item_id: str | None = None, data: dict | None = None,
                         event_id: str | None = None, occurred_at: datetime | None = None,
                         batch: DispatchBatch | None = None) -> bool:
    """Queue one activity event; the event id makes a re-delivered message store it once.

    Pass a deterministic `event_id` for events that must exist at most once (course completion).
    With a batch, the event joins it (the caller sends the batch).
    """
    event_id = event_id or uuid.uuid4().hex
    kwargs = {"event_id": event_id, "user_id": user_id, "verb": verb, "course_id": course_id,
              "item_id": item_id, "data": data or {},
              "occurred_at": (occurred_at or timezone.now()).isoformat()}
    if batch is not None:
        batch.add(task_name=LOG_ACTIVITY, kwargs=kwargs, key=f"{LOG_ACTIVITY}:{event_id}")
        return True
    return task_dispatch(task_name=LOG_ACTIVITY, kwargs=kwargs, key=f"{LOG_ACTIVITY}:{event_id}")


def activity_log_write(*, event_id: str, user_id: int, verb: str, course_id: str | None,
                       item_id: str | None, data: dict, occurred_at: str | datetime) -> bool:
    """Store one activity event; False if it was already stored (idempotent)."""
    when = (parse_datetime(occurred_at) if isinstance(occurred_at, str) else occurred_at) \
        or timezone.now()
    try:
        ActivityLog(event_id=event_id, user_id=user_id, verb=verb, course_id=course_id,
                    item_id=item_id, data=data, occurred_at=when,
                    day=activity_day(when)).save(force_insert=True)
    except NotUniqueError:
        return False
    return True


def activity_day(when: datetime) -> str:
    """The UTC calendar day of a moment, as reports group on it."""
    if timezone.is_naive(when):
        when = timezone.make_aware(when, UTC)
    return when.astimezone(UTC).date().isoformat()


def course_completion_event_id(*, user_id: int, course_id: str) -> str:
    """One completion event per learner and course, however often it is reported."""
    return f"completed_course:{user_id}:{course_id}"


def course_completion_record(*, user_id: int, course_id: str, completed_at: datetime) -> bool:
    """Queue the learner's course completion event (stored once: the event id is fixed)."""
    return activity_log_request(
        user_id=user_id, verb="completed_course", course_id=course_id,
        event_id=course_completion_event_id(user_id=user_id, course_id=course_id),
        occurred_at=completed_at)
