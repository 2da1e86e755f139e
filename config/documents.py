"""The base of every stored MongoDB document, and the outbox of derived work."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import DateTimeField, DictField, Document, IntField, StringField


class StoredDocument(Document):
    """Base of every document: indexes are created by `manage.py ensure_indexes` (at start-up),
    never lazily on first use, where a failure would go unnoticed and never be retried."""

    meta = {"abstract": True, "auto_create_index": False}


class OutboxEntry(StoredDocument):
    """One unit of derived work, kept until a task run for it succeeds.

    Written before the task is published; deleted by the successful run (if no newer request
    for the same key came in meanwhile: `generation`). The sweep publishes entries again when
    they are due: the broker was down, the message was lost, the task ran out of retries, or its
    worker died.
    """

    id = StringField(primary_key=True)  # what the work is for, e.g. "RECALCULATE_COURSE:7:6650f…"
    task_name = StringField(required=True)
    kwargs = DictField()
    generation = StringField(default="")  # new for every request for this key
    due_at = DateTimeField(required=True)  # when the sweep may publish it (again)
    published = IntField(default=0)  # publishes by the sweep, for its back-off
    created_at = DateTimeField(default=timezone.now)

    meta = {"collection": "outbox", "indexes": ["due_at"]}
