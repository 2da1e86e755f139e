"""Writes of the integrations app: endpoints, events (recorded, then fanned out), redelivery."""
from __future__ import annotations

import base64
import logging
import secrets
import uuid
from datetime import datetime, timedelta

from bson import ObjectId
from bson.errors import InvalidId
from celery import current_app
from django.conf import settings
from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from config.dispatch import BROKER_ERRORS, DispatchBatch, task_dispatch
from config.exceptions import Conflict, InvalidInput, NotFound
from config.task_names import DELIVER_WEBHOOK, RECORD_EVENT
from integrations.documents import (
    DELIVERY_PENDING,
    EVENT_TYPES,
    TARGET_LRS,
    IntegrationEvent,
    WebhookDelivery,
    WebhookEndpoint,
    XapiStatement,
)
from integrations.urlcheck import url_check
from integrations.xapi import statements_of
from learning.selectors import course_outline_get

logger = logging.getLogger(__name__)

# Events name their id after their cause, so a repeated cause is the same event.
_EVENT_NAMESPACE = uuid.UUID("7b1f0d1e-55a4-4f0e-9d53-2f6c3e1a9b42")


# --- Endpoints -----------------------------------------------------------------------------------

def webhook_secret_new() -> str:
    """A signing secret in the Standard Webhooks format: "whsec_" + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _event_types_check(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(f"Unknown event type(s): {', '.join(unknown)}.", code="invalid_event_type")
    if not event_types:
        raise InvalidInput("Subscribe to at least one event type.", code="invalid_event_type")
    return [t for t in EVENT_TYPES if t in event_types]


def webhook_endpoint_create(*, url: str, event_types: list[str], active: bool = True,
                            description: str = "", created_by: int | None = None) -> WebhookEndpoint:
    """Store a new endpoint with a fresh signing secret (the caller shows it once)."""
    endpoint = WebhookEndpoint(url=url_check(url=url), event_types=_event_types_check(event_types),
                               active=active, description=description, created_by=created_by,
                               secret=webhook_secret_new())
    endpoint.save()
    return endpoint


def webhook_endpoint_get(*, endpoint_id: str) -> WebhookEndpoint:
    try:
        endpoint = WebhookEndpoint.objects(id=ObjectId(endpoint_id)).first()
    except (InvalidId, TypeError):
        endpoint = None
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found", code="not_found")
    return endpoint


def webhook_endpoint_update(*, endpoint_id: str, url: str | None = None,
                            event_types: list[str] | None = None, active: bool | None = None,
                            description: str | None = None) -> WebhookEndpoint:
    """Change what is given; a new URL is checked like a new endpoint's."""
    endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
    if url is not None:
        endpoint.url = url_check(url=url)
    if event_types is not None:
        endpoint.event_types = _event_types_check(event_types)
    if active is not None:
        endpoint.active = active
        if active:  # switching it back on closes the circuit
            endpoint.consecutive_failures, endpoint.circuit_open_until = 0, None
    if description is not None:
        endpoint.description = description
    endpoint.save()
    return endpoint


def webhook_endpoint_secret_rotate(*, endpoint_id: str) -> WebhookEndpoint:
    """Give the endpoint a new signing secret (the caller shows it once); every try from now on,
    retries of earlier events included, is signed with it."""
    endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
    endpoint.secret = webhook_secret_new()
    endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, endpoint_id: str) -> None:
    """Delete the endpoint; its pending deliveries fail when they come up (the log stays)."""
    webhook_endpoint_get(endpoint_id=endpoint_id).delete()


# --- Events --------------------------------------------------------------------------------------

def event_id_of(key: str) -> str:
    """The event id of a cause: the same cause always gives the same id (and webhook-id)."""
    return "evt_" + uuid.uuid5(_EVENT_NAMESPACE, key).hex


def event_record_request(*, type: str, key: str, data: dict, occurred_at: datetime,
                         batch: DispatchBatch | None = None) -> bool:
    """Record an event in the outbox with its cause's write (in `batch`, which the caller sends).

    RECORD_EVENT then stores it once and fans it out; until that run succeeds, the outbox entry
    stays and the sweep publishes it again.
    """
    event_id = event_id_of(key)
    kwargs = {"event_id": event_id, "type": type, "key": key, "data": data,
              "occurred_at": occurred_at.isoformat()}
    if batch is not None:
        batch.add(task_name=RECORD_EVENT, kwargs=kwargs, key=f"{RECORD_EVENT}:{event_id}")
        return True
    return task_dispatch(task_name=RECORD_EVENT, kwargs=kwargs, key=f"{RECORD_EVENT}:{event_id}")


def event_record(*, event_id: str, type: str, key: str, data: dict, occurred_at: str) -> dict:
    """Store the event (once), its xAPI statements, and one delivery per subscribed endpoint
    (and the LRS); then queue the deliveries. Idempotent: a repeat adds nothing."""
    when = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    now = timezone.now()
    if type == "attempt.accepted":
        data = _attempt_data_enriched(data)
    events = IntegrationEvent._get_collection()
    try:
        events.insert_one({"_id": event_id, "type": type, "key": key, "data": data,
                           "occurred_at": when, "recorded_at": now})
    except DuplicateKeyError:
        pass  # recorded by an earlier run that may have stopped part-way: finish its fan-out
    statements = statements_of(event_id=event_id, type=type, data=data, occurred_at=when)
    for statement in statements:
        try:
            XapiStatement._get_collection().insert_one(
                {"_id": statement["id"], "event_id": event_id, "statement": statement,
                 "stored": now})
        except DuplicateKeyError:
            pass
    targets = [str(e.id) for e in WebhookEndpoint.objects(active=True, event_types=type).only("id")]
    if statements and settings.XAPI_LRS_URL:
        targets.append(TARGET_LRS)
    created = [d for d in (_delivery_create(event_id=event_id, event_type=type, target=target,
                                            now=now) for target in targets) if d]
    delivery_publish(delivery_ids=created)
    if type == "attempt.accepted" and data.get("item_completed"):
        # The learner's first completion of the item: one event, whichever attempt did it first.
        key = f"item.completed:{data['user_id']}:{data['item_id']}"
        event_record(event_id=event_id_of(key), type="item.completed", key=key, occurred_at=occurred_at,
                     data={**{k: data[k] for k in ("user_id", "course_id", "item_id", "attempt_id",
                                                   "kind", "item_title")},
                           "completed_at": data["submitted_at"]})
    return {"event_id": event_id, "deliveries": len(created), "statements": len(statements)}


def _attempt_data_enriched(data: dict) -> dict:
    """The attempt with its item's title, marks and pass mark, and whether it passed and
    completed the item (the progress rule: marked done, or graded at the pass mark)."""
    try:
        item = course_outline_get(course_id=data["course_id"]).item_index.get(data["item_id"])
    except NotFound:
        item = None
    if item is None:  # the course or item was deleted meanwhile: send what the attempt says
        return {**data, "item_title": None, "max_marks": None, "pass_marks": None,
                "passed": None, "item_completed": False}
    marks = data.get("marks")
    passed = None if marks is None or item.pass_marks is None else marks >= item.pass_marks
    completed = (bool(data.get("completed")) if item.kind in ("video", "article")
                 else marks is not None and passed is not False)
    return {**data, "item_title": item.title, "max_marks": item.max_marks,
            "pass_marks": item.pass_marks, "passed": passed, "item_completed": completed}


def _delivery_create(*, event_id: str, event_type: str, target: str, now: datetime) -> str | None:
    delivery_id = f"{event_id}:{target}"
    try:
        WebhookDelivery._get_collection().insert_one({
            "_id": delivery_id, "event_id": event_id, "event_type": event_type, "target": target,
            "status": DELIVERY_PENDING, "attempts": 0, "next_attempt_at": now,
            "expires_at": now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS),
            "last_error": "", "created_at": now, "updated_at": now})
    except DuplicateKeyError:
        return None
    return delivery_id


def delivery_publish(*, delivery_ids: list[str], countdown: float | None = None) -> None:
    """Queue DELIVER_WEBHOOK for each; a broker error leaves them to the due sweep (they are due)."""
    try:
        for delivery_id in delivery_ids:
            current_app.send_task(DELIVER_WEBHOOK, kwargs={"delivery_id": delivery_id},
                                  countdown=countdown)
    except BROKER_ERRORS as exc:
        logger.warning("deliveries left to the due sweep, broker unavailable: %s", exc)


def delivery_redeliver(*, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again now, whatever its status (same webhook-id; a fresh retry window)."""
    delivery = WebhookDelivery.objects(id=delivery_id).first()
    if delivery is None:
        raise NotFound(f"Delivery {delivery_id} not found", code="not_found")
    if delivery.target != TARGET_LRS and not WebhookEndpoint.objects(id=_oid(delivery.target)).count():
        raise Conflict("The endpoint of this delivery was deleted.", code="endpoint_deleted")
    now = timezone.now()
    WebhookDelivery._get_collection().update_one(
        {"_id": delivery_id},
        {"$set": {"status": DELIVERY_PENDING, "next_attempt_at": now, "updated_at": now,
                  "expires_at": now + timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)}})
    delivery_publish(delivery_ids=[delivery_id])
    delivery.reload()
    return delivery


def _oid(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def deliveries_due_publish(*, limit: int = 500) -> int:
    """Queue pending deliveries that are due (retries too far out for a countdown, lost messages)."""
    due = WebhookDelivery._get_collection().find(
        {"status": DELIVERY_PENDING, "next_attempt_at": {"$lte": timezone.now()}},
        {"_id": 1}).sort("next_attempt_at", 1).limit(limit)
    ids = [doc["_id"] for doc in due]
    delivery_publish(delivery_ids=ids)
    return len(ids)
