"""An erased learner's events and xAPI statements: kept, under their anonymous id."""
from __future__ import annotations

from config.documents import OutboxEntry
from config.task_names import RECORD_EVENT
from integrations.documents import IntegrationEvent, XapiStatement


def integrations_user_anonymise(*, user_id: int, anonymous_id: int) -> int:
    """Re-key the learner's stored and queued events and their statements' actor; idempotent.
    Deliveries already made cannot be called back (docs/integrations.md)."""
    OutboxEntry._get_collection().update_many(
        {"task_name": RECORD_EVENT, "kwargs.data.user_id": user_id},
        {"$set": {"kwargs.data.user_id": anonymous_id}})
    events = IntegrationEvent._get_collection().update_many(
        {"data.user_id": user_id}, {"$set": {"data.user_id": anonymous_id}})
    XapiStatement._get_collection().update_many(
        {"statement.actor.account.name": str(user_id)},
        {"$set": {"statement.actor.account.name": str(anonymous_id)}})
    return events.modified_count
