"""A user erased: personal data removed, what they did kept anonymous, boards and reports updated.

The erasure record (MongoDB, one per user) is written first and stays open while anything is
left to do: every step is idempotent, so the request runs them all, and the pending sweep runs
them again for open erasures — finishing one a crash cut short, and, for ERASURE_RECHECK_SECONDS
after it finished, catching work that was in flight (an attempt stored, a task run late). Then
the record forgets the anonymous id, and nothing links the kept records to the person.
"""
from __future__ import annotations

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError
from django.utils import timezone

from analytics.erasure import activity_anonymise
from config.documents import OutboxEntry
from config.exceptions import Forbidden, NotFound
from config.task_names import LOG_ACTIVITY, RECALCULATE_COURSE
from flows.followups import FOLLOW_UP_ERRORS
from integrations.erasure import integrations_user_anonymise
from leaderboard.corrections import leaderboard_past_weeks_forget
from leaderboard.services import leaderboard_update_request
from learning.correction_documents import UserErasure
from learning.services.erasure import (
    account_scrub,
    learner_course_anonymise,
    learner_course_ids,
    profile_delete,
    user_erasure_close,
    user_erasure_open,
    user_erasure_progress,
)
from progress.corrections import progress_rekey

logger = logging.getLogger(__name__)

# The account lives in the SQL database: its errors leave the erasure to the sweep too.
ERASURE_ERRORS = (*FOLLOW_UP_ERRORS, DatabaseError)


def user_erase(*, actor: AbstractBaseUser, user_id: int) -> UserErasure:
    """Erase a user (staff): idempotent, audited; the rest of the work is the sweep's if a store
    fails half-way (the 204 promises the erasure is recorded and will finish)."""
    if user_id == actor.pk:
        raise Forbidden("You cannot erase your own account.", code="cannot_erase_self")
    target = get_user_model().objects.filter(pk=user_id).only("is_staff", "is_superuser").first()
    if target is None:
        raise NotFound(f"User {user_id} not found.", code="unknown_user")
    if (target.is_staff or target.is_superuser) and not actor.is_superuser:
        # An erasure cannot be undone: staff erase learners; staff accounts, only a superuser.
        raise Forbidden("Only a superuser may erase a staff account.", code="superuser_only")
    erasure = user_erasure_open(user_id=user_id, requested_by=actor.pk)
    if erasure.open:
        try:
            _erasure_run(erasure)
        except ERASURE_ERRORS as exc:
            logger.warning("erasure of user %s recorded, the rest left to the sweep: %s",
                           user_id, exc)
    return erasure


def _erasure_run(erasure: UserErasure) -> None:
    """Every step of the erasure, in an order where a crash anywhere leaves nothing exposed for
    longer than the next sweep."""
    user_id, anonymous_id = erasure.id, erasure.anonymous_id
    account_scrub(user_id=user_id)  # first: no request of theirs gets in any more
    profile_delete(user_id=user_id)
    _parked_work_reassign(user_id=user_id, anonymous_id=anonymous_id)
    courses = sorted(learner_course_ids(user_id=user_id))
    archived = 0
    for course_id in courses:
        archived += learner_course_anonymise(user_id=user_id, course_id=course_id,
                                             anonymous_id=anonymous_id, fence=erasure)
        progress_rekey(user_id=user_id, course_id=course_id, to_user_id=anonymous_id)
        leaderboard_past_weeks_forget(course_id=course_id, user_id=user_id)
        # Their attempts are no longer live: the update finds no score and takes them off the
        # all-time and recent boards, ordered after anything queued before (summary version).
        leaderboard_update_request(course_id=course_id, user_id=user_id)
    activity_anonymise(user_id=user_id, anonymous_id=anonymous_id)
    integrations_user_anonymise(user_id=user_id, anonymous_id=anonymous_id)
    user_erasure_progress(user_id=user_id, courses=len(courses), archived=archived)


def _parked_work_reassign(*, user_id: int, anonymous_id: int) -> None:
    """Work parked in the outbox for the user: their recalculations are dropped (their progress
    now belongs to the anonymous id), their activity events will be stored anonymously."""
    outbox = OutboxEntry._get_collection()
    outbox.delete_many({"task_name": RECALCULATE_COURSE, "kwargs.user_id": user_id})
    outbox.update_many({"task_name": LOG_ACTIVITY, "kwargs.user_id": user_id},
                       {"$set": {"kwargs.user_id": anonymous_id}})


def erasures_repair(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    """Run open erasures again (older than the grace: their request may still be running);
    close those finished more than ERASURE_RECHECK_SECONDS ago. Returns how many ran."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    closing = now - timedelta(seconds=settings.ERASURE_RECHECK_SECONDS)
    ran = 0
    for erasure in UserErasure.objects(open=True, requested_at__lt=cutoff).limit(limit):
        try:
            _erasure_run(erasure)
        except ERASURE_ERRORS as exc:
            logger.warning("erasure of user %s: failed again: %s", erasure.id, exc)
            continue
        ran += 1
        finished = erasure.finished_at or now
        if timezone.is_naive(finished):
            finished = timezone.make_aware(finished, UTC)
        if finished <= closing:
            user_erasure_close(user_id=erasure.id)
    return ran
