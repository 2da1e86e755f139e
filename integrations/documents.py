"""Webhook endpoints, the events we emit, their deliveries, and xAPI statements."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from config.documents import StoredDocument

# Every event type we emit, in the order the docs list them.
EVENT_TYPES = ("attempt.accepted", "item.completed", "course.completed", "course.passed",
               "enrollment.created", "leaderboard.rank_changed")

DELIVERY_PENDING, DELIVERY_SUCCEEDED, DELIVERY_FAILED = "pending", "succeeded", "failed"
DELIVERY_STATUSES = (DELIVERY_PENDING, DELIVERY_SUCCEEDED, DELIVERY_FAILED)
# A delivery's target: a webhook endpoint (its id) or the configured LRS.
TARGET_LRS = "lrs"


class WebhookEndpoint(StoredDocument):
    """A URL that receives signed events of the types it subscribed to."""

    url = StringField(required=True, max_length=2000)
    description = StringField(default="", max_length=500)
    event_types = ListField(StringField(choices=EVENT_TYPES), required=True)
    active = BooleanField(default=True)
    secret = StringField(required=True)  # "whsec_<base64>", shown once at creation
    created_at = DateTimeField(default=timezone.now)
    created_by = IntField(null=True)
    # The circuit: after WEBHOOK_CIRCUIT_FAILURES failures in a row, deliveries wait until then.
    consecutive_failures = IntField(default=0)
    circuit_open_until = DateTimeField(null=True)

    meta = {"collection": "webhook_endpoints", "indexes": ["active"]}


class IntegrationEvent(StoredDocument):
    """One event, stored once: its id comes from its cause, so a repeat is the same event."""

    id = StringField(primary_key=True)  # "evt_<32 hex>", also the webhook-id of its deliveries
    type = StringField(required=True, choices=EVENT_TYPES)
    key = StringField(required=True)  # the cause, e.g. "attempt.accepted:<attempt id>"
    data = DictField()
    occurred_at = DateTimeField(required=True)
    recorded_at = DateTimeField(default=timezone.now)

    meta = {"collection": "integration_events", "indexes": ["-occurred_at"]}


class WebhookDelivery(StoredDocument):
    """One event (or xAPI statement batch) to one target, tried until it succeeds or expires."""

    id = StringField(primary_key=True)  # "<event id>:<target>"
    event_id = StringField(required=True)
    event_type = StringField(required=True)
    target = StringField(required=True)  # endpoint id, or TARGET_LRS
    status = StringField(default=DELIVERY_PENDING, choices=DELIVERY_STATUSES)
    attempts = IntField(default=0)
    next_attempt_at = DateTimeField(null=True)
    expires_at = DateTimeField(required=True)  # no retry after this: the delivery fails
    last_status_code = IntField(null=True)
    last_latency_ms = FloatField(null=True)
    last_error = StringField(default="")
    last_attempt_at = DateTimeField(null=True)
    created_at = DateTimeField(default=timezone.now)
    updated_at = DateTimeField(default=timezone.now)

    meta = {
        "collection": "webhook_deliveries",
        "indexes": [
            # The due sweep: pending deliveries by due time.
            ("status", "next_attempt_at"),
            # The delivery log of one endpoint, newest first.
            ("target", "-created_at"),
            "event_id",
        ],
    }


class XapiStatement(StoredDocument):
    """One xAPI 1.0.3 statement, as it is served and forwarded."""

    id = StringField(primary_key=True)  # the statement's UUID
    event_id = StringField(required=True)
    statement = DictField(required=True)
    stored = DateTimeField(required=True)

    meta = {"collection": "xapi_statements", "indexes": [("stored", "_id")]}
