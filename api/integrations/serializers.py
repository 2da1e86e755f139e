"""What the integrations API reads (endpoints, query options) and writes (endpoints, deliveries)."""
from __future__ import annotations

from datetime import datetime

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers

from api.fields import JSONBooleanField, JSONCharField
from integrations.documents import DELIVERY_STATUSES, EVENT_TYPES

ENDPOINT_EXAMPLE = {"url": "https://hooks.example.com/lms", "description": "CRM",
                    "event_types": ["course.completed", "course.passed"], "active": True}


@extend_schema_serializer(examples=[OpenApiExample("New endpoint", value=ENDPOINT_EXAMPLE,
                                                   request_only=True)])
class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = JSONCharField(max_length=2000, help_text="http(s) URL on a public address.")
    description = JSONCharField(max_length=500, required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), min_length=1, max_length=len(EVENT_TYPES),
        help_text="The event types sent to this endpoint.")
    active = JSONBooleanField(required=False, default=True,
                                      help_text="Inactive endpoints receive nothing.")


class WebhookEndpointSerializer(serializers.Serializer):
    id = serializers.CharField()
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    consecutive_failures = serializers.IntegerField(
        help_text="Failed deliveries in a row; the circuit opens at WEBHOOK_CIRCUIT_FAILURES.")
    circuit_open_until = serializers.DateTimeField(
        allow_null=True, help_text="While in the future, deliveries to this endpoint wait.")


@extend_schema_serializer(examples=[OpenApiExample("Created", response_only=True, value={
    **ENDPOINT_EXAMPLE, "id": "6650f1c2a1b2c3d4e5f60718", "created_at": "2026-11-29T12:00:00Z",
    "consecutive_failures": 0, "circuit_open_until": None,
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})])
class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (Standard Webhooks, `whsec_…`). Shown only in this response.")


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`<event id>:<endpoint id>`.")
    event_id = serializers.CharField(help_text="Also the `webhook-id` header of every try.")
    event_type = serializers.CharField()
    target = serializers.CharField(help_text="The endpoint id, or `lrs`.")
    status = serializers.ChoiceField(choices=DELIVERY_STATUSES)
    attempts = serializers.IntegerField(help_text="Requests made so far.")
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(help_text="No retry after this; the delivery fails.")
    last_status_code = serializers.IntegerField(allow_null=True)
    last_latency_ms = serializers.FloatField(allow_null=True)
    last_error = serializers.CharField(help_text="`timeout`, `HTTP 500`, a connection error, or empty.")
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class _QueryOptions(serializers.Serializer):
    """Query options where a name given without a value is refused, not ignored."""

    def to_internal_value(self, data):
        blank = sorted(name for name in self.fields if name in data and data.get(name) == "")
        if blank:
            raise serializers.ValidationError({name: ["Give a value or leave the option out."]
                                               for name in blank})
        return super().to_internal_value(data)


class DeliveryQuerySerializer(_QueryOptions):
    status = serializers.ChoiceField(choices=DELIVERY_STATUSES, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=100_000, default=0)


class DeliveryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = WebhookDeliverySerializer(many=True)


class StatementQuerySerializer(_QueryOptions):
    since = serializers.DateTimeField(required=False,
                                      help_text="Only statements stored after this moment (ISO 8601).")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)
    cursor = serializers.CharField(required=False, max_length=200,
                                   help_text="From a previous page's `more` link: the next page.")

    def validate_cursor(self, value: str) -> tuple:
        stored, _, statement_id = value.partition(",")
        try:
            moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
        except ValueError as exc:
            raise serializers.ValidationError("Not a cursor from a `more` link.") from exc
        if not statement_id:
            raise serializers.ValidationError("Not a cursor from a `more` link.")
        return moment, statement_id


STATEMENT_EXAMPLE = {
    "id": "2c5b1a86-7f5e-5c3a-9d7e-1f0b6a1e4c3d",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.com", "name": "7"}},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {"objectType": "Activity",
               "id": "https://lms.example.com/xapi/courses/6650f1c2a1b2c3d4e5f60718/items/6650f1c2a1b2c3d4e5f60719",
               "definition": {"type": "http://adlnet.gov/expapi/activities/assessment",
                              "name": {"en-US": "Quiz 1"}}},
    "result": {"score": {"raw": 5, "min": 0, "max": 10, "scaled": 0.5}, "success": False,
               "completion": False},
    "context": {"platform": "lms", "contextActivities": {"parent": [
        {"objectType": "Activity", "id": "https://lms.example.com/xapi/courses/6650f1c2a1b2c3d4e5f60718",
         "definition": {"type": "http://adlnet.gov/expapi/activities/course"}}]},
        "extensions": {"https://lms.example.com/xapi/extensions/event-id":
                       "evt_64d5923678435d39a20d6cd06f496f3e"}},
    "timestamp": "2026-11-29T12:00:00Z", "stored": "2026-11-29T12:00:00.120000Z", "version": "1.0.3"}


@extend_schema_serializer(examples=[OpenApiExample("A page", response_only=True, value={
    "statements": [STATEMENT_EXAMPLE],
    "more": "/api/v1/xapi/statements/?limit=1&cursor=2026-11-29T12:00:00.120000Z,2c5b1a86-7f5e-5c3a-9d7e-1f0b6a1e4c3d"})])
class StatementResultSerializer(serializers.Serializer):
    statements = serializers.ListField(child=serializers.DictField(),
                                       help_text="xAPI 1.0.3 statements, oldest stored first.")
    more = serializers.CharField(allow_blank=True,
                                 help_text="The next page's URL; empty on the last page.")
