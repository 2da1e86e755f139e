"""MongoDB documents of the learning domain: courses, enrollments, attempts, profiles."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    FloatField,
    IntField,
    ListField,
    ObjectIdField,
    StringField,
)

from config.documents import StoredDocument
from learning.outline import Outline, outline_from_document

ITEM_KINDS = ("video", "article", "quiz", "assignment")
UNLOCK_MODES = ("sequential", "open")
# The most marks a course's items may add up to: what a leaderboard score holds exactly
# (leaderboard.scoring checks its encoding against this).
MAX_COURSE_MARKS = 41_943.03


class Course(StoredDocument):
    """A course with its whole outline in one document, so one read fetches every item.

    `sections` is the stored form of learning.outline.Outline (outline_to_document).
    """

    title = StringField(required=True, max_length=200)
    slug = StringField(required=True, unique=True, max_length=100)
    description = StringField(default="")
    unlock_mode = StringField(default="sequential", choices=UNLOCK_MODES)
    published = BooleanField(default=False)
    sections = ListField(DictField())
    # Default attempt policy of the course's items (learning.policy); items may override it.
    attempt_policy = DictField()
    # Weighted categories, pass mark and letters (learning.grading), normalised; {}: no grade.
    grading = DictField()
    # What happens to work after its due moment (learning.policy.LatePolicy); {}: accepted.
    late_policy = DictField()
    # Bumped on every outline change; progress computed for an older outline is stale.
    outline_version = IntField(default=1)
    # Bumped on every save; an edit stores only over the revision it started from (ETag).
    revision = IntField(default=1)
    # Set (in the same write) when the outline changes, until every learner's recalculation and
    # the board rebuild are queued; the sweep finishes a fan-out a dead process left.
    fanout_pending = BooleanField(null=True)
    created_by = IntField()
    created_at = DateTimeField(default=timezone.now)
    updated_at = DateTimeField(default=timezone.now)

    meta = {"collection": "courses",
            "indexes": ["published", {"fields": ["fanout_pending"], "sparse": True}]}

    @property
    def outline(self) -> Outline:
        """This document's outline (parsed on each call; learning.selectors caches by version)."""
        return outline_from_document(self.to_mongo())


class Enrollment(StoredDocument):
    """A learner's enrollment in a course (one per user and course)."""

    # learner_course_key(user_id, course_id): one per learner and course by construction, and
    # the access check on every request is a lookup by `_id` (set by clean() when not given).
    id = StringField(primary_key=True)
    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    enrolled_at = DateTimeField(default=timezone.now)
    # Set while the learner has left the course (unenrolled); their attempts, summary and
    # progress stay, and enrolling again clears it (enrolled_at is kept).
    left_at = DateTimeField(null=True)
    # When the learner last left or came back (None: never).
    changed_at = DateTimeField(null=True)
    # True from a change (enrolled, left, back) until its follow-up work is queued.
    followup_pending = BooleanField(null=True)

    meta = {
        "collection": "enrollments",
        "indexes": [
            # A learner's courses, newest first (GET /me/courses/).
            ("user_id", "-enrolled_at"),
            # A course's learners in user order (gradebook, bulk enrollment, departures).
            ("course_id", "user_id"),
            {"fields": ["followup_pending"], "sparse": True},
        ],
    }

    def clean(self):
        if self.id is None and self.user_id is not None and self.course_id is not None:
            self.id = learner_course_key(self.user_id, self.course_id)


class ContentAttempt(StoredDocument):
    """One submission for an item: marks (graded) and/or completion (watched, read)."""

    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    item_id = ObjectIdField(required=True)
    kind = StringField(required=True, choices=ITEM_KINDS)
    marks = FloatField(null=True, min_value=0)
    completed = BooleanField(default=False)
    # One choice index per question; None where the learner left it unanswered (an IntField
    # list would refuse None).
    answers = ListField()
    graded_by = IntField(null=True)
    submitted_at = DateTimeField(default=timezone.now)
    # Made after the item's due moment; under a penalty policy `marks` is what is left after
    # `penalty_percent`, and `raw_marks` what the answers earned.
    late = BooleanField(default=False)
    penalty_percent = FloatField(default=0)
    raw_marks = FloatField(null=True)
    # True from the insert until the attempt is folded into its AttemptSummary and its derived
    # work is queued; then removed, so this sparse index holds only what a crash cut short.
    followup_pending = BooleanField(null=True)

    meta = {
        "collection": "content_attempts",
        "indexes": [
            # All of one user's attempts in one course (leaderboard update, lock checks), and
            # their history newest first (learning.history).
            ("course_id", "user_id", "-submitted_at"),
            # The leaderboard rebuild's query: all attempts of a course, grouped by user.
            ("course_id", "item_id"),
            {"fields": ["followup_pending"], "sparse": True},
        ],
    }


class AttemptSummary(StoredDocument):
    """What one learner's attempts in one course add up to, per item; the progress worker's read.

    Attempts are never changed or deleted, so the summary only grows: the best marks with
    `$max`, completion marks with `$addToSet`. Applying an attempt twice changes nothing but
    `version`, which every merge raises: it orders computations made from the summary, so an
    older one never overwrites a newer one (anchored here, it survives any loss of Redis).
    Staff corrections are the exceptions, and raise `version` too: an override sits beside
    `best_marks` (never lowering them), a reset or erasure empties the summary in one write.
    """

    id = StringField(primary_key=True)  # learner_course_key(user_id, course_id)
    user_id = IntField(required=True)
    course_id = ObjectIdField(required=True)
    best_marks = DictField()  # item id (hex) -> best marks of any graded attempt
    done_items = ListField(StringField())  # item ids with an attempt marked completed
    version = IntField(default=0)
    changed_at = DateTimeField()
    # Attempts per item (every attempt, counted before it is stored) and when the learner last
    # attempted it: what attempt policies limit (learning.services.attempt_slot_take).
    attempt_counts = DictField()
    last_attempt_at = DictField()
    late_items = ListField(StringField())  # items with an attempt made after their due moment
    # Staff corrections (learning.services.corrections): the marks overrides in force (item id ->
    # marks; they replace best_marks), the revision each came from, the last revision taken,
    # and the last reset (attempts submitted up to `reset_at` are never merged again).
    overrides = DictField()
    override_revisions = DictField()
    override_revision = IntField(default=0)
    reset_at = DateTimeField()
    reset_id = StringField()

    meta = {"collection": "attempt_summaries", "indexes": ["course_id"]}


def learner_course_key(user_id: int, course_id: object) -> str:
    """The id of a document held once per learner and course: "7:6650f0c2…"."""
    return f"{user_id}:{course_id}"


class LearnerProfile(StoredDocument):
    """Public profile shown on leaderboards."""

    # The user id is the primary key: boards read pages of profiles by `_id`, the cheapest
    # lookup on a real server and the only fast one in embedded mode.
    user_id = IntField(primary_key=True)
    display_name = StringField(required=True, max_length=100)
    avatar_url = StringField(default="", max_length=500)

    meta = {"collection": "learner_profiles"}


# Staff corrections live beside the attempts; imported here so every reader of the catalogue's
# documents (index creation included) knows them.
from learning.correction_documents import (  # noqa: E402, F401
    ArchivedAttempt,
    CourseReset,
    MarkOverride,
    UserErasure,
)
