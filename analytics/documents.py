"""MongoDB documents of the analytics app."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import DateTimeField, DictField, IntField, ObjectIdField, StringField

from config.documents import StoredDocument

ACTIVITY_VERBS = ("enrolled", "attempted", "completed_item", "completed_course")


class ActivityLog(StoredDocument):
    """One learner action, written off the request path by LOG_ACTIVITY."""

    # The event id is the primary key: a re-delivered event is refused by `_id`, which costs a
    # dict lookup in embedded mode where a unique index would cost a scan of every event.
    event_id = StringField(primary_key=True)
    user_id = IntField(required=True)
    verb = StringField(required=True, choices=ACTIVITY_VERBS)
    course_id = ObjectIdField(null=True)
    item_id = ObjectIdField(null=True)
    data = DictField()
    occurred_at = DateTimeField(required=True)
    # UTC date of occurred_at ("2026-11-29"), set at write time: reports group on it without
    # date operators that mongomock and MongoDB do not share.
    day = StringField()
    logged_at = DateTimeField(default=timezone.now)

    meta = {
        "collection": "activity_logs",
        "indexes": [("course_id", "occurred_at"), ("user_id", "occurred_at"), "verb",
                    ("day", "verb")],
    }
