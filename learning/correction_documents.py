"""MongoDB documents of staff corrections: marks overrides, resets, archived attempts, erasures.

Imported by learning.documents, so `ensure_indexes` and every reader of the catalogue see them.
"""
from __future__ import annotations

from django.utils import timezone
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

OVERRIDE_SET = "set"
OVERRIDE_REMOVED = "removed"
OVERRIDE_ACTIONS = (OVERRIDE_SET, OVERRIDE_REMOVED)
ARCHIVED_BY_RESET = "reset"
ARCHIVED_BY_ERASURE = "erasure"
REDACTED_REASON = "(removed when the learner was erased)"


class MarkOverride(StoredDocument):
    """One change of a learner's marks override on an item (set or removed), never changed after.

    These documents are the history; an item's override in force is its change with the highest
    `revision` (a counter per learner and course, taken from AttemptSummary.override_revision),
    when that change is a `set`. AttemptSummary.overrides holds a copy of the ones in force for
    the progress worker's single read.
    """

    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    item_id = ObjectIdField(required=True)
    action = StringField(required=True, choices=OVERRIDE_ACTIONS)
    marks = FloatField(null=True, min_value=0)  # what counts from now on; None for a removal
    previous_marks = FloatField(null=True)  # the override it replaced (None: the best attempt)
    reason = StringField(required=True, max_length=500)
    changed_by = IntField(required=True)  # the staff user
    changed_at = DateTimeField(default=timezone.now)
    revision = IntField(required=True)
    # "reset:<id>" when a course reset removed the override (else None: a staff change).
    cause = StringField(null=True)
    # True from the insert until the summary holds it and progress and board work is queued.
    followup_pending = BooleanField(null=True)

    meta = {
        "collection": "mark_overrides",
        "indexes": [
            {"fields": ["course_id", "user_id", "item_id", "revision"], "unique": True},
            ("course_id", "changed_at"),
            "user_id",
            {"fields": ["followup_pending"], "sparse": True},
        ],
    }


class CourseReset(StoredDocument):
    """A staff reset of one learner's work in one course: who, when, why and what it archived."""

    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    reason = StringField(required=True, max_length=500)
    reset_by = IntField(required=True)
    # Milliseconds only (what MongoDB stores): attempts submitted up to this moment are archived.
    reset_at = DateTimeField(required=True)
    # Overrides of revisions below this one were in force before the reset: it removes them.
    override_floor = IntField(required=True)
    archived_attempts = IntField(null=True)  # set when the reset is finished
    overrides_removed = IntField(null=True)
    finished_at = DateTimeField(null=True)
    followup_pending = BooleanField(null=True)

    meta = {
        "collection": "course_resets",
        "indexes": [("course_id", "reset_at"), "user_id",
                    {"fields": ["followup_pending"], "sparse": True}],
    }


class ArchivedAttempt(StoredDocument):
    """An attempt taken out of play by a reset or an erasure: the attempt's own fields and id,
    plus why and when. Nothing that computes progress, boards or history reads this collection."""

    user_id = IntField(required=True)  # an anonymous (negative) id after an erasure
    course_id = ObjectIdField(required=True)
    item_id = ObjectIdField(required=True)
    kind = StringField(required=True)
    marks = FloatField(null=True)
    completed = BooleanField(default=False)
    answers = ListField()
    graded_by = IntField(null=True)
    submitted_at = DateTimeField()
    late = BooleanField(default=False)
    penalty_percent = FloatField(default=0)
    raw_marks = FloatField(null=True)
    archived_at = DateTimeField(default=timezone.now)
    archived_by = StringField(required=True, choices=(ARCHIVED_BY_RESET, ARCHIVED_BY_ERASURE))
    reset_id = ObjectIdField(null=True)

    meta = {"collection": "content_attempts_archive",
            "indexes": [("course_id", "user_id"), "reset_id", "user_id"]}


class UserErasure(StoredDocument):
    """The erasure of one user's personal data (one per user): who asked, when, what it did.

    Holds no personal data. `anonymous_id` (the id the learner's kept records now carry) lives
    here only while the erasure is open, so a crash half-way is finished with the same id; it is
    removed when the erasure closes, and nothing links the records to the person after that.
    """

    id = IntField(primary_key=True)  # the erased user's id
    requested_by = IntField(required=True)
    requested_at = DateTimeField(required=True)  # milliseconds only, like CourseReset.reset_at
    finished_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    anonymous_id = IntField(null=True)
    courses = IntField(null=True)  # courses the learner had data in
    attempts_archived = IntField(null=True)
    # True until the erasure is finished and its recheck window is over (the sweep's work list).
    open = BooleanField(null=True)

    meta = {"collection": "user_erasures",
            "indexes": [{"fields": ["open"], "sparse": True}, "requested_at"]}
