"""MongoDB documents of the progress app."""
from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateTimeField,
    FloatField,
    IntField,
    ListField,
    ObjectIdField,
    StringField,
)

from config.documents import StoredDocument


class CourseProgress(StoredDocument):
    """The latest computed progress of one learner in one course."""

    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    completion_percent = FloatField(default=0)
    completed_items = IntField(default=0)
    total_items = IntField(default=0)
    marks_obtained = FloatField(default=0)
    marks_total = FloatField(default=0)
    # JSON text of {"unlocked": {...}, "locked": [...]}, as the API shows them. Only ever read
    # whole (API, admin), so one string is written per recalculation instead of ~10 BSON values
    # per element of the course. Earlier releases stored the two as fields of their own.
    unlock_state = StringField()
    completed_item_ids = ListField(StringField())
    next_item_id = StringField(null=True)
    completed_at = DateTimeField(null=True)
    computed_at = DateTimeField()
    outline_version = IntField(default=0)
    # Order of the computation that wrote this document; older computations never overwrite.
    seq = IntField(default=0)
    stale = BooleanField(default=False)

    meta = {
        "collection": "course_progress",
        "indexes": [{"fields": ["user_id", "course_id"], "unique": True}, "course_id"],
    }
