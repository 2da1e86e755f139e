"""Celery tasks of the analytics app."""
from __future__ import annotations

from analytics.services import activity_log_write
from config.task_names import LOG_ACTIVITY
from config.tasks import domain_task


@domain_task(name=LOG_ACTIVITY)
def log_activity(event_id: str, user_id: int, verb: str, course_id: str | None = None,
                 item_id: str | None = None, data: dict | None = None,
                 occurred_at: str | None = None) -> dict:
    """Store one learner activity event."""
    stored = activity_log_write(event_id=event_id, user_id=user_id, verb=verb, course_id=course_id,
                                item_id=item_id, data=data or {}, occurred_at=occurred_at)
    return {"stored": stored}
