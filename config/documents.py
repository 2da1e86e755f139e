"""The base of every stored MongoDB document, and the infrastructure's own documents."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import DateTimeField, DictField, Document, StringField


class StoredDocument(Document):
    """Base of every document: indexes are created by `manage.py ensure_indexes` (at start-up),
    never lazily on first use, where a failure would go unnoticed and never be retried."""

    meta = {"abstract": True, "auto_create_index": False}


class PendingWork(StoredDocument):
    """Derived work that could not be queued (broker down); the beat sweep re-queues it."""

    key = StringField(required=True, unique=True)
    task_name = StringField(required=True)
    kwargs = DictField()
    created_at = DateTimeField(default=timezone.now)

    meta = {"collection": "pending_work", "indexes": ["created_at"]}
