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

    id = StringField(primary_key=True)  # learning.documents.learner_course_key(user_id, course_id)
    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    completion_percent = FloatField(default=0)
    completed_items = IntField(default=0)
    total_items = IntField(default=0)
    marks_obtained = FloatField(default=0)
    marks_total = FloatField(default=0)
    # What the learner may see of marks_obtained (marks hidden by attempt policies left out).
    marks_revealed = FloatField(default=0)
    marks_hidden_items = IntField(default=0)
    # JSON text of {"unlocked": {...}, "locked": [...]}: ids and the conditions each locked
    # element fails, as facts (progress.reasons words them when shown), so the document stays
    # small whatever the titles. Only ever read whole, so it is one string.
    unlock_state = StringField()
    # JSON text of {"items", "lessons", "sections", "due_soon"} (progress.services.results_of):
    # read whole, so one string.
    results = StringField()
    grade_percent = FloatField(null=True)  # None when the course has no grading policy
    letter = StringField(null=True)
    passed = BooleanField(null=True)
    passed_at = DateTimeField(null=True)  # the first time the grade passed, kept
    completed_item_ids = ListField(StringField())
    next_item_id = StringField(null=True)
    completed_at = DateTimeField(null=True)
    computed_at = DateTimeField()
    # When a date rule flips; the result must be recomputed after it.
    valid_until = DateTimeField(null=True)
    outline_version = IntField(default=0)
    # The attempt summary version the computation read (shown to clients as `seq`).
    seq = IntField(default=0)
    # Sortable (summary version, outline version, time) of the computation that wrote this
    # document; only a higher order replaces it (progress.services.computation_order).
    order = StringField(default="")
    stale = BooleanField(default=False)
    # Set once the first completion was announced to the receivers (flows), after they queued
    # what follows; the sweep announces completions left without it.
    completion_announced = BooleanField(default=False)
    # The same for the first passing grade (passed_at).
    pass_announced = BooleanField(default=False)

    meta = {
        "collection": "course_progress",
        "indexes": ["course_id", ("completed_at", "completion_announced"),
                    ("passed_at", "pass_announced")],
    }
