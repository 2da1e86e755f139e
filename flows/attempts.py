"""Attempt submitted: check, store, then queue what it changes (progress, boards, activity).

The 202 promises only that the attempt is stored. Its follow-up (summary merge, then the
queued work) is idempotent and the attempt stays flagged until it is done, so the pending sweep
finishes any follow-up a failed request cut short.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from analytics.services import activity_log_request
from config.coalescing import claims_release, claims_take
from config.dispatch import DispatchBatch
from config.exceptions import Forbidden, Locked, NotFound
from config.metrics import ATTEMPTS_ACCEPTED, metric_inc
from flows.followups import FOLLOW_UP_ERRORS, followups_redo
from integrations.events import attempt_accepted_record
from leaderboard.services import leaderboard_update_claim, leaderboard_update_queue
from learning.documents import ContentAttempt
from learning.outline import ItemSpec, Outline
from learning.policy import LATE_REFUSE, AttemptPolicy, LatePolicy, item_due, marks_revealed
from learning.selectors import (
    course_head_get,
    course_item_get,
    course_outline_at,
    enrollment_get,
)
from learning.services import (
    GradedAttempt,
    attempt_followup_done,
    attempt_grade,
    attempt_slot_take,
    attempt_store,
    attempt_summary_merge,
)
from progress.selectors import item_lock_get
from progress.services import progress_recalculation_claim, progress_recalculation_queue

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SubmittedAttempt:
    """A stored attempt, and whether its marks are hidden from the one who submitted it."""

    attempt: ContentAttempt
    marks_hidden: bool


def attempt_submit(*, actor: AbstractBaseUser, course_id: str, data: dict) -> SubmittedAttempt:
    """Validate and store one attempt, then queue progress, leaderboard and activity work."""
    # The course's head and its outline parsed once per version: an attempt never reads or
    # builds the whole course document.
    course = course_head_get(course_id=course_id)
    if not course.published and not actor.is_staff:
        raise NotFound(f"Course {course_id} not found")
    outline = course_outline_at(head=course)
    item = course_item_get(outline=outline, item_id=data["content_id"])
    graded = attempt_grade(actor=actor, item=item, data=data)
    enrollment = enrollment_get(user_id=graded.learner_id, course_id=course.id)
    if enrollment is None:
        who = "You are" if graded.learner_id == actor.pk else f"User {graded.learner_id} is"
        raise Forbidden(f"{who} not enrolled in this course.", code="not_enrolled")
    learner_own = graded.learner_id == actor.pk and not actor.is_staff
    if learner_own:
        locked = item_lock_get(user_id=graded.learner_id, outline=outline, item_id=item.id)
        if locked is not None:
            raise Locked(f"'{item.title}' is locked: {locked['reason']}", extra={"locked": locked})
    policy, now = outline.policy_index[item.id], timezone.now()
    if learner_own:
        graded = _lateness_applied(graded, item=item, outline=outline, now=now,
                                   enrolled_at=enrollment.enrolled_at)
    # Every attempt is counted; only a learner's own attempts are limited by the policy.
    attempt_slot_take(user_id=graded.learner_id, course_id=course.id, item=item, now=now,
                      policy=policy if learner_own else AttemptPolicy())
    attempt = attempt_store(course_id=course.id, item=item, graded=graded)
    metric_inc(metric=ATTEMPTS_ACCEPTED, labels={"kind": item.kind})
    try:
        _attempt_follow_up(attempt)
    except FOLLOW_UP_ERRORS as exc:
        # The attempt is stored, which is what 202 promises; its flag is still set, so the
        # sweep finishes the rest once MongoDB answers again.
        logger.warning("attempt %s stored, follow-up left to the sweep: %s", attempt.id, exc)
    hidden = not actor.is_staff and not marks_revealed(policy, item.due_at, now)
    return SubmittedAttempt(attempt=attempt, marks_hidden=hidden)


def _lateness_applied(graded: GradedAttempt, *, item: ItemSpec, outline: Outline, now: datetime,
                      enrolled_at: datetime) -> GradedAttempt:
    """The learner's attempt marked late (and its marks reduced, under a penalty policy) when
    it comes after the item's due moment; refused (403 `past_due`) when the course refuses
    late work. Staff grades are never late: staff set the marks they mean."""
    due = item_due(due_at=item.due_at, due_after_days=item.due_after_days, enrolled_at=enrolled_at)
    if due is None or now <= due:
        return graded
    late_policy = LatePolicy.of(outline.late_policy)
    if late_policy.mode == LATE_REFUSE:
        raise Forbidden(f"'{item.title}' was due {due:%Y-%m-%d %H:%M} UTC; this course accepts no "
                        "late work.", code="past_due", extra={"due": due.isoformat()})
    return graded.late_as(penalty_percent=late_policy.penalty_percent(due=due, at=now))


def _attempt_follow_up(attempt: ContentAttempt) -> None:
    """Fold the stored attempt into its summary and queue what it changes, then mark it done:
    the coalescing claims in one Redis round trip, every follow-up in one outbox write and one
    pipelined publish."""
    attempt_summary_merge(attempt=attempt)
    course_id, user_id = str(attempt.course_id), attempt.user_id
    claims = [progress_recalculation_claim(user_id=user_id, course_id=course_id)]
    if attempt.marks is not None:
        claims.append(leaderboard_update_claim(course_id=course_id, user_id=user_id))
    granted = claims_take(claims)
    batch = DispatchBatch()
    if granted[0] is not None:
        progress_recalculation_queue(batch=batch, user_id=user_id, course_id=course_id,
                                     delay_ms=granted[0])
    if len(granted) > 1 and granted[1] is not None:
        leaderboard_update_queue(batch=batch, course_id=course_id, user_id=user_id)
    activity_log_request(user_id=user_id, verb="attempted", course_id=course_id,
                         item_id=str(attempt.item_id), event_id=f"attempt:{attempt.id}",
                         occurred_at=attempt.submitted_at, batch=batch,
                         data={"attempt_id": str(attempt.id), "kind": attempt.kind,
                               "marks": attempt.marks, "completed": attempt.completed})
    attempt_accepted_record(attempt=attempt, batch=batch)
    if not batch.send():
        # Recorded in the outbox, which publishes it later; the next request may queue anew.
        claims_release([claim for claim, g in zip(claims, granted, strict=True) if g is not None])
    attempt_followup_done(attempt_id=attempt.id)


def attempt_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Finish attempts whose request died between storing them and queueing their work."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    found = ContentAttempt.objects(followup_pending=True,
                                   submitted_at__lt=cutoff).order_by("submitted_at").limit(limit)
    return followups_redo(found, _attempt_follow_up, what="attempt")
