"""Writes of the analytics app: activity events, queued then stored by LOG_ACTIVITY."""
from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from mongoengine.errors import NotUniqueError

from analytics.documents import ActivityLog
from learning.dispatch import task_dispatch

LOG_ACTIVITY = "LOG_ACTIVITY"


def activity_log_request(*, user_id: int, verb: str, course_id: str | None = None,
                         item_id: str | None = None, data: dict | None = None) -> bool:
    """Queue one activity event; the event id makes a re-delivered message store it once."""
    event_id = uuid.uuid4().hex
    kwargs = {"event_id": event_id, "user_id": user_id, "verb": verb, "course_id": course_id,
              "item_id": item_id, "data": data or {}, "occurred_at": timezone.now().isoformat()}
    return task_dispatch(task_name=LOG_ACTIVITY, kwargs=kwargs, pending_key=f"{LOG_ACTIVITY}:{event_id}")


def activity_log_write(*, event_id: str, user_id: int, verb: str, course_id: str | None,
                       item_id: str | None, data: dict, occurred_at: str | datetime) -> bool:
    """Store one activity event; False if it was already stored (idempotent)."""
    when = parse_datetime(occurred_at) if isinstance(occurred_at, str) else occurred_at
    try:
        ActivityLog(event_id=event_id, user_id=user_id, verb=verb, course_id=course_id,
                    item_id=item_id, data=data, occurred_at=when or timezone.now()).save()
    except NotUniqueError:
        return False
    return True
