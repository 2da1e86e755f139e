"""Reads of the integrations app: endpoints, the delivery log, xAPI statements."""
from __future__ import annotations

from datetime import UTC, datetime

from integrations.documents import WebhookDelivery, WebhookEndpoint, XapiStatement
from integrations.xapi import XAPI_VERSION


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


def xapi_statements_page(*, since: datetime | None, after: tuple[datetime, str] | None,
                         limit: int) -> tuple[list[dict], tuple[datetime, str] | None]:
    """Statements stored after `since` (or after the cursor `after`), oldest first, as an LRS
    returns them (with `stored` and `version`); and the cursor of the next page, if any."""
    query: dict = {}
    if after is not None:
        stored, statement_id = _utc(after[0]), after[1]
        query = {"$or": [{"stored": {"$gt": stored}}, {"stored": stored, "_id": {"$gt": statement_id}}]}
    elif since is not None:
        query = {"stored": {"$gt": _utc(since)}}
    docs = list(XapiStatement._get_collection().find(query).sort([("stored", 1), ("_id", 1)])
                .limit(limit + 1))
    more = (docs[limit - 1]["stored"], docs[limit - 1]["_id"]) if len(docs) > limit else None
    return [{**doc["statement"], "stored": _iso(doc["stored"]), "version": XAPI_VERSION}
            for doc in docs[:limit]], more


def _iso(when: datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _utc(when: datetime) -> datetime:
    """Naive UTC, as MongoDB returns and compares stored moments."""
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
