"""One delivery try: claim it, sign and send it, record the outcome, schedule the retry."""
from __future__ import annotations

import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta

import requests
from bson import ObjectId
from bson.errors import InvalidId
from django.conf import settings
from django.utils import timezone
from pymongo import ReturnDocument
from standardwebhooks.webhooks import Webhook

from config.exceptions import InvalidInput
from config.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY, metric_inc, metric_observe
from integrations.documents import (
    DELIVERY_FAILED,
    DELIVERY_PENDING,
    DELIVERY_SUCCEEDED,
    TARGET_LRS,
    IntegrationEvent,
    WebhookDelivery,
    WebhookEndpoint,
    XapiStatement,
)
from integrations.urlcheck import url_check
from integrations.xapi import XAPI_VERSION

logger = logging.getLogger(__name__)

USER_AGENT = "lms-webhooks/1"


def retry_delay(*, attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped, jittered
    (between half and all of it, so endpoints that failed together do not retry together)."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS,
                  settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def _lease_seconds() -> float:
    # Longer than one request can take, so a second run never sends the same delivery meanwhile.
    return settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS + settings.WEBHOOK_TIMEOUT_SECONDS + 30


def delivery_attempt(*, delivery_id: str) -> dict:
    """Try a pending, due delivery once (other runs for it skip meanwhile); return the outcome."""
    now = timezone.now()
    collection = WebhookDelivery._get_collection()
    doc = collection.find_one_and_update(
        {"_id": delivery_id, "status": DELIVERY_PENDING, "next_attempt_at": {"$lte": now}},
        {"$set": {"next_attempt_at": now + timedelta(seconds=_lease_seconds())}},
        return_document=ReturnDocument.AFTER)
    if doc is None:
        return {"skipped": "not pending or not due"}
    target = doc["target"]
    if _aware(doc["expires_at"]) < now:
        return _finish(doc, now=now, outcome=DELIVERY_FAILED, error="retry window passed")
    event = IntegrationEvent._get_collection().find_one({"_id": doc["event_id"]})
    if target == TARGET_LRS:
        if not settings.XAPI_LRS_URL:
            return _finish(doc, now=now, outcome=DELIVERY_FAILED, error="no LRS configured")
        return _send(doc, now=now, endpoint=None, **_lrs_request(doc["event_id"]))
    endpoint = _endpoint(target)
    if endpoint is None or event is None:
        return _finish(doc, now=now, outcome=DELIVERY_FAILED, error="endpoint deleted"
                       if endpoint is None else "event missing")
    if not endpoint.active:
        return _finish(doc, now=now, outcome=DELIVERY_FAILED, error="endpoint inactive")
    open_until = endpoint.circuit_open_until and _aware(endpoint.circuit_open_until)
    if open_until and open_until > now:
        # The endpoint failed many times in a row: wait for the circuit, without using a try.
        due = open_until + timedelta(seconds=random.uniform(0, 5))
        collection.update_one({"_id": delivery_id}, {"$set": {"next_attempt_at": due}})
        metric_inc(metric=WEBHOOK_DELIVERIES, labels={"endpoint": target, "outcome": "deferred"})
        _schedule(delivery_id, (due - now).total_seconds())
        return {"deferred_until": due.isoformat()}
    try:
        url = url_check(url=endpoint.url)  # again: the host may resolve elsewhere by now
    except InvalidInput as exc:
        return _finish(doc, now=now, outcome=DELIVERY_FAILED, error=exc.detail)
    body = event_body(event)
    headers = webhook_headers(secret=endpoint.secret, msg_id=event["_id"], body=body,
                              at=datetime.now(UTC))
    return _send(doc, now=now, endpoint=endpoint, url=url, body=body, headers=headers, auth=None)


def event_body(event: dict) -> str:
    """The JSON body of an event's webhook: {"type", "timestamp", "data"} (Standard Webhooks)."""
    return json.dumps({"type": event["type"],
                       "timestamp": _aware(event["occurred_at"]).isoformat().replace("+00:00", "Z"),
                       "data": event["data"]}, separators=(",", ":"), sort_keys=True)


def webhook_headers(*, secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers signing `body` (by the standardwebhooks package)."""
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body),
            "content-type": "application/json", "user-agent": USER_AGENT}


def _lrs_request(event_id: str) -> dict:
    statements = [doc["statement"] for doc in XapiStatement._get_collection().find(
        {"event_id": event_id}).sort("_id", 1)]
    return {"url": settings.XAPI_LRS_URL,
            "body": json.dumps(statements, separators=(",", ":")),
            "headers": {"content-type": "application/json", "user-agent": USER_AGENT,
                        "x-experience-api-version": XAPI_VERSION},
            "auth": (settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD)
            if settings.XAPI_LRS_USERNAME else None}


def _send(doc: dict, *, now: datetime, endpoint: WebhookEndpoint | None, url: str, body: str,
          headers: dict, auth: tuple | None) -> dict:
    started = time.monotonic()
    code, error = None, ""
    try:
        # No redirects: a 3xx could point anywhere, the internal network included.
        with requests.post(url, data=body.encode(), headers=headers, auth=auth, stream=True,
                           allow_redirects=False,
                           timeout=(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS,
                                    settings.WEBHOOK_TIMEOUT_SECONDS)) as response:
            code = response.status_code
    except requests.Timeout:
        error = "timeout"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency = time.monotonic() - started
    # An LRS answers 409 to a statement id it already has: it has the statement.
    ok = code is not None and (200 <= code < 300 or (endpoint is None and code == 409))
    if code is not None and not ok:
        error = f"HTTP {code}"
    metric_observe(metric=WEBHOOK_LATENCY, value=latency, labels={"endpoint": doc["target"]})
    if endpoint is not None:
        _circuit_record(endpoint, ok=ok, now=now)
    if ok:
        return _finish(doc, now=now, outcome=DELIVERY_SUCCEEDED, code=code, latency=latency)
    attempts = doc["attempts"] + 1
    due = now + timedelta(seconds=retry_delay(attempts=attempts))
    if due > _aware(doc["expires_at"]):
        return _finish(doc, now=now, outcome=DELIVERY_FAILED, code=code, latency=latency,
                       error=error)
    return _finish(doc, now=now, outcome=DELIVERY_PENDING, code=code, latency=latency,
                   error=error, due=due)


def _finish(doc: dict, *, now: datetime, outcome: str, code: int | None = None,
            latency: float | None = None, error: str = "", due: datetime | None = None) -> dict:
    tried = latency is not None
    update = {"status": outcome, "next_attempt_at": due, "updated_at": now, "last_error": error}
    if tried:
        update.update({"last_status_code": code, "last_latency_ms": round(latency * 1000, 1),
                       "last_attempt_at": now})
    WebhookDelivery._get_collection().update_one(
        {"_id": doc["_id"]}, {"$set": update, "$inc": {"attempts": 1 if tried else 0}})
    label = "retrying" if outcome == DELIVERY_PENDING else outcome
    metric_inc(metric=WEBHOOK_DELIVERIES, labels={"endpoint": doc["target"], "outcome": label})
    if outcome == DELIVERY_FAILED:
        logger.warning("delivery %s failed for good: %s", doc["_id"], error)
    if due is not None:
        _schedule(doc["_id"], (due - now).total_seconds())
    return {"status": outcome, "status_code": code, "error": error}


def _schedule(delivery_id: str, delay: float) -> None:
    """A retry due soon is queued with a countdown; a later one is left to the due sweep."""
    if delay <= settings.WEBHOOK_COUNTDOWN_MAX_SECONDS:
        from integrations.services import delivery_publish

        delivery_publish(delivery_ids=[delivery_id], countdown=max(delay, 0))


def _circuit_record(endpoint: WebhookEndpoint, *, ok: bool, now: datetime) -> None:
    collection = WebhookEndpoint._get_collection()
    if ok:
        if endpoint.consecutive_failures:
            collection.update_one({"_id": endpoint.id}, {"$set": {"consecutive_failures": 0,
                                                                  "circuit_open_until": None}})
        return
    after = collection.find_one_and_update({"_id": endpoint.id},
                                           {"$inc": {"consecutive_failures": 1}},
                                           projection={"consecutive_failures": 1},
                                           return_document=ReturnDocument.AFTER)
    if after and after["consecutive_failures"] >= settings.WEBHOOK_CIRCUIT_FAILURES:
        collection.update_one({"_id": endpoint.id}, {"$set": {"circuit_open_until": now + timedelta(
            seconds=settings.WEBHOOK_CIRCUIT_OPEN_SECONDS)}})


def _endpoint(target: str) -> WebhookEndpoint | None:
    try:
        return WebhookEndpoint.objects(id=ObjectId(target)).first()
    except (InvalidId, TypeError):
        return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
