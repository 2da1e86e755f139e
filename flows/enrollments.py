"""Enrollment lifecycle: a learner enrolls, leaves, comes back; staff enroll many at once.

Every change is stored flagged until its follow-up is queued (in the outbox, which the sweep
publishes if the broker was down); the sweep finishes a follow-up a dead process cut short.
- Enrolled: log it and compute their first progress (what is unlocked).
- Left: the learner's board update (UPDATE_LEADERBOARD, which scores a learner who left as
  absent) takes them off the boards; closed weeks' boards drop them too. Their data stays.
- Back: their progress is recomputed and the board update puts them back with their scores.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from itertools import islice

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from mongoengine.queryset.visitor import Q

from analytics.services import activity_log_request
from config.coalescing import claims_release, claims_take
from config.dispatch import DispatchBatch
from config.exceptions import Forbidden, NotFound
from flows.followups import FOLLOW_UP_ERRORS, followups_redo
from integrations.events import enrollment_created_record
from leaderboard.corrections import leaderboard_past_weeks_forget
from leaderboard.services import leaderboard_update_claim, leaderboard_update_queue
from learning.documents import Enrollment
from learning.selectors import course_access_forget, course_get, enrollment_find, learners_resolve
from learning.services.enrollments import (
    enrollment_leave_store,
    enrollment_store,
    enrollments_followup_done,
    enrollments_store_many,
)
from progress.services import progress_recalculation_claim, progress_recalculation_queue

logger = logging.getLogger(__name__)


def batched(values, size: int):
    """Consecutive chunks of at most `size` values (itertools.batched arrives in Python 3.12)."""
    iterator = iter(values)
    while chunk := tuple(islice(iterator, size)):
        yield chunk

# Follow-ups sent together: one claims round trip, one outbox write, one publish per batch.
FOLLOW_UP_BATCH = 500
BULK_ENROLL_MAX = 10_000


def enrollment_create(*, user: AbstractBaseUser, course_id: str) -> tuple[Enrollment, bool]:
    """Enroll the learner in a course they can see (again, if they left); return the enrollment
    and whether they were not enrolled before."""
    course = course_get(course_id=course_id)
    if not course.published and not user.is_staff:
        raise NotFound(f"Course {course_id} not found")
    enrollment, created = enrollment_store(user_id=user.pk, course_id=course.id)
    if created:
        _follow_up_or_leave([enrollment])
    return enrollment, created


def enrollment_leave(*, user: AbstractBaseUser, course_id: str) -> Enrollment:
    """Take the learner out of a course: off its boards and lists, refused its attempts and
    reads; their attempts and progress stay for when they come back. Leaving twice is fine."""
    course = course_get(course_id=course_id)
    left = enrollment_leave_store(user_id=user.pk, course_id=course.id)
    # This process stops granting reads at once; the others within ACCESS_CACHE_SECONDS.
    course_access_forget(user_id=user.pk, course_id=course.id)
    if left is None:
        found = enrollment_find(user_id=user.pk, course_id=course.id)
        if found is None:
            raise Forbidden("You are not enrolled in this course.", code="not_enrolled")
        return found  # left before
    _follow_up_or_leave([left])
    return left


def enrollments_bulk_create(*, course_id: str, entries: list) -> dict:
    """Enroll many learners (user ids or usernames) in a course, in bulk reads and writes;
    each row that cannot be enrolled is reported with its index and a code."""
    course = course_get(course_id=course_id)
    resolved, errors = learners_resolve(entries=entries)
    user_ids = list(dict.fromkeys(resolved.values()))
    stored = []
    for chunk in batched(user_ids, FOLLOW_UP_BATCH):
        done = enrollments_store_many(course_id=course.id, user_ids=list(chunk))
        _follow_up_or_leave(done)
        stored += done
    enrolled = {e.user_id for e in stored}
    seen: set[int] = set()
    already = 0
    for index, user_id in resolved.items():
        if user_id in seen:
            errors.append({"index": index, "value": entries[index], "code": "duplicate",
                           "detail": "This learner appears earlier in the list."})
        elif user_id not in enrolled:
            already += 1
        seen.add(user_id)
    return {"course_id": str(course.id), "requested": len(entries), "enrolled": len(enrolled),
            "already_enrolled": already, "failed": len(errors),
            "errors": sorted(errors, key=lambda e: e["index"])}


def _follow_up_or_leave(enrollments: list[Enrollment]) -> None:
    for chunk in batched(enrollments, FOLLOW_UP_BATCH):
        try:
            _follow_up(list(chunk))
        except FOLLOW_UP_ERRORS as exc:
            # Stored and flagged: the sweep queues the rest once the stores answer.
            logger.warning("%d enrollment change(s) stored, follow-up left to the sweep: %s",
                           len(chunk), exc)


def _follow_up(enrollments: list[Enrollment]) -> None:
    """Queue what each change needs, in one claims round trip and one batch, then clear the
    flags. Every step is idempotent, so the sweep may run it again."""
    claims, adds = [], []
    for e in enrollments:
        course_id = str(e.course_id)
        if e.left_at is None:  # enrolled, or back: (re)compute progress
            claims.append(progress_recalculation_claim(user_id=e.user_id, course_id=course_id))
            adds.append(lambda b, d, e=e, c=course_id: progress_recalculation_queue(
                batch=b, user_id=e.user_id, course_id=c, delay_ms=d))
        if e.changed_at is not None:  # left, or back: the board update takes them off or back
            claims.append(leaderboard_update_claim(course_id=course_id, user_id=e.user_id))
            adds.append(lambda b, d, e=e, c=course_id: leaderboard_update_queue(
                batch=b, course_id=c, user_id=e.user_id))
        if e.left_at is not None:
            leaderboard_past_weeks_forget(course_id=course_id, user_id=e.user_id)
    granted = claims_take(claims)
    batch = DispatchBatch()
    for add, delay in zip(adds, granted, strict=True):
        if delay is not None:
            add(batch, delay)
    for e in enrollments:
        if e.changed_at is None:
            activity_log_request(user_id=e.user_id, verb="enrolled", course_id=str(e.course_id),
                                 event_id=f"enrolled:{e.id}", occurred_at=e.enrolled_at,
                                 batch=batch)
            enrollment_created_record(enrollment=e, batch=batch)
    if not batch.send():
        # Recorded in the outbox, which publishes it later; the next request may queue anew.
        claims_release([claim for claim, g in zip(claims, granted, strict=True) if g is not None])
    enrollments_followup_done(enrollment_ids=[e.id for e in enrollments])


def enrollment_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Finish enrollment changes whose request died before queueing their follow-up."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    found = list(Enrollment.objects(Q(followup_pending=True) & Q(enrolled_at__lt=cutoff)
                                    & (Q(changed_at=None) | Q(changed_at__lt=cutoff)))
                 .limit(limit))
    return followups_redo([list(chunk) for chunk in batched(found, FOLLOW_UP_BATCH)], _follow_up,
                          what="enrollment change", size=len)
