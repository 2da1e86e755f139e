"""Staff corrections: marks overrides and course resets, recorded, then recalculated like attempts.

Each correction is stored first, flagged until its follow-up is done: the summary takes it (its
version goes up, ordering every progress and board computation after it), then
RECALCULATE_COURSE and UPDATE_LEADERBOARD are queued through the outbox. The pending sweep
finishes the follow-up of records a failed request left flagged; every step is idempotent.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from config.exceptions import Forbidden, InvalidInput
from flows.followups import FOLLOW_UP_ERRORS, followups_redo
from leaderboard.corrections import leaderboard_past_weeks_forget
from leaderboard.services import leaderboard_update_request
from learning.correction_documents import CourseReset, MarkOverride
from learning.correction_selectors import archived_attempts_count, course_reset_get
from learning.documents import Course
from learning.grading import GRADED_KINDS
from learning.outline import ItemSpec
from learning.selectors import course_get, course_item_get, course_outline_of, enrollment_get
from learning.services.corrections import (
    ARCHIVED_BY_RESET,
    attempts_archive,
    course_reset_done,
    course_reset_store,
    learner_summary_restart,
    override_apply,
    override_change_store,
    override_followup_done,
    overrides_remove_before,
)
from progress.corrections import progress_restart
from progress.services import progress_recalculation_request

logger = logging.getLogger(__name__)


def _learner_target(*, course_id: str, user_id: int) -> Course:
    """The course, when the learner is enrolled in it (404 / 403 `not_enrolled` otherwise)."""
    course = course_get(course_id=course_id)
    if enrollment_get(user_id=user_id, course_id=course.id) is None:
        raise Forbidden(f"User {user_id} is not enrolled in this course.", code="not_enrolled")
    return course


def _graded_item(course: Course, content_id: str) -> ItemSpec:
    item = course_item_get(outline=course_outline_of(course=course), item_id=content_id)
    if item.kind not in GRADED_KINDS or item.max_marks <= 0:
        raise InvalidInput(f"'{item.title}' is a {item.kind}: it has no marks to override.",
                           code="item_not_graded")
    return item


# --- Overrides ------------------------------------------------------------------------------------

def override_set(*, actor: AbstractBaseUser, course_id: str, data: dict) -> MarkOverride:
    """Set the marks a learner has for an item (0 to its max_marks), in place of their attempts'
    best, with a reason; progress and boards follow."""
    course = _learner_target(course_id=course_id, user_id=data["user_id"])
    item = _graded_item(course, data["content_id"])
    if data["marks"] > item.max_marks:
        raise InvalidInput(f"marks {data['marks']:g} exceed '{item.title}' max_marks "
                           f"{item.max_marks:g}.", code="marks_out_of_range")
    change = override_change_store(user_id=data["user_id"], course_id=course.id, item=item,
                                   marks=data["marks"], reason=data["reason"],
                                   changed_by=actor.pk)
    _follow_up_or_leave(change)
    return change


def override_remove(*, actor: AbstractBaseUser, course_id: str, data: dict) -> MarkOverride:
    """Remove a learner's override on an item (their best attempt counts again), with a reason."""
    course = _learner_target(course_id=course_id, user_id=data["user_id"])
    item = _graded_item(course, data["content_id"])
    change = override_change_store(user_id=data["user_id"], course_id=course.id, item=item,
                                   marks=None, reason=data["reason"], changed_by=actor.pk)
    _follow_up_or_leave(change)
    return change


def _follow_up_or_leave(change: MarkOverride) -> None:
    try:
        _override_follow_up(change)
        change.followup_pending = None  # as stored now: the answer says it is applied
    except FOLLOW_UP_ERRORS as exc:
        # The change is stored and flagged: the sweep applies it once the stores answer.
        logger.warning("override %s stored, follow-up left to the sweep: %s", change.id, exc)


def _override_follow_up(change: MarkOverride) -> None:
    """Put the change in the summary, queue progress and board work, then clear the flag."""
    course_id, user_id = str(change.course_id), change.user_id
    override_apply(user_id=user_id, course_id=course_id, item_id=str(change.item_id))
    progress_recalculation_request(user_id=user_id, course_id=course_id)
    leaderboard_update_request(course_id=course_id, user_id=user_id)
    override_followup_done(change_id=change.id)


def override_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Finish override changes whose request died before their follow-up was done."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    found = MarkOverride.objects(followup_pending=True,
                                 changed_at__lt=cutoff).order_by("revision").limit(limit)
    return followups_redo(found, _override_follow_up, what="override change")


# --- Resets ---------------------------------------------------------------------------------------

def learner_reset(*, actor: AbstractBaseUser, course_id: str, user_id: int,
                  reason: str) -> CourseReset:
    """Start a learner over in a course: their attempts archived (not deleted), overrides
    removed, summary, attempt counts and progress emptied, boards updated; audited."""
    course = _learner_target(course_id=course_id, user_id=user_id)
    reset = course_reset_store(user_id=user_id, course_id=course.id, reason=reason,
                               reset_by=actor.pk)
    try:
        _reset_follow_up(reset)
    except FOLLOW_UP_ERRORS as exc:
        logger.warning("reset %s stored, follow-up left to the sweep: %s", reset.id, exc)
    return course_reset_get(reset_id=reset.id) or reset


def _reset_follow_up(reset: CourseReset) -> None:
    """The reset's steps, in an order that keeps concurrent attempts right, each repeatable."""
    course_id, user_id, cause = str(reset.course_id), reset.user_id, f"reset:{reset.id}"
    removed = overrides_remove_before(user_id=user_id, course_id=course_id,
                                      below_revision=reset.override_floor,
                                      reason=f"Course reset: {reset.reason}",
                                      changed_by=reset.reset_by, cause=cause)
    # Fence before archiving: an attempt submitted before the reset that is stored after the
    # archive step is then refused by the summary and archived by its own follow-up.
    learner_summary_restart(user_id=user_id, course_id=course_id, fence_at=reset.reset_at,
                            fence_id=cause)
    attempts_archive(user_id=user_id, course_id=course_id, archived_by=ARCHIVED_BY_RESET,
                     up_to=reset.reset_at, reset_id=reset.id)
    progress_restart(user_id=user_id, course_id=course_id, restarted_at=reset.reset_at)
    leaderboard_past_weeks_forget(course_id=course_id, user_id=user_id)
    progress_recalculation_request(user_id=user_id, course_id=course_id)
    leaderboard_update_request(course_id=course_id, user_id=user_id)
    course_reset_done(reset_id=reset.id, archived=archived_attempts_count(reset_id=reset.id),
                      overrides_removed=removed)


def reset_followups_repair(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    """Finish resets whose request died before their follow-up was done."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    found = CourseReset.objects(followup_pending=True,
                                reset_at__lt=cutoff).order_by("reset_at").limit(limit)
    return followups_redo(found, _reset_follow_up, what="reset")

