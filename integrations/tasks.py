"""Celery tasks of the integrations app, on the `webhooks` queue."""
from __future__ import annotations

from config.task_names import DELIVER_DUE_WEBHOOKS, DELIVER_WEBHOOK, RECORD_EVENT
from config.tasks import domain_task
from integrations.delivery import delivery_attempt
from integrations.services import deliveries_due_publish, event_record


@domain_task(name=RECORD_EVENT)
def record_event(event_id: str, type: str, key: str, data: dict, occurred_at: str) -> dict:
    """Store one event with its xAPI statements and queue its deliveries."""
    return event_record(event_id=event_id, type=type, key=key, data=data, occurred_at=occurred_at)


@domain_task(name=DELIVER_WEBHOOK)
def deliver_webhook(delivery_id: str) -> dict:
    """Send one delivery once; its outcome and the next try are stored on the delivery."""
    return delivery_attempt(delivery_id=delivery_id)


@domain_task(name=DELIVER_DUE_WEBHOOKS)
def deliver_due_webhooks() -> dict:
    """Queue the pending deliveries that are due (beat, every WEBHOOK_SWEEP_SECONDS)."""
    return {"queued": deliveries_due_publish()}
