"""Reads of the integrations app: endpoints, the delivery log, xAPI statements."""
from __future__ import annotations

from integrations.documents import WebhookDelivery, WebhookEndpoint


def webhook_endpoints_all() -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.order_by("created_at"))


def deliveries_page(*, target: str | None = None, status: str | None = None, limit: int = 50,
                    offset: int = 0) -> tuple[int, list[WebhookDelivery]]:
    """(count, page) of deliveries, newest first."""
    query = WebhookDelivery.objects
    if target is not None:
        query = query(target=target)
    if status is not None:
        query = query(status=status)
    return query.count(), list(query.order_by("-created_at").skip(offset).limit(limit))
