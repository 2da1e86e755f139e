"""MongoDB documents of the infrastructure: work parked while the broker was unreachable."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import DateTimeField, DictField, Document, StringField


class PendingWork(Document):
    """Derived work that could not be queued (broker down); the beat sweep re-queues it."""

    key = StringField(required=True, unique=True)
    task_name = StringField(required=True)
    kwargs = DictField()
    created_at = DateTimeField(default=timezone.now)

    meta = {"collection": "pending_work", "indexes": ["created_at"]}
