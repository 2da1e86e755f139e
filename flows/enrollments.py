"""Learner enrolled: store it, log it, and compute their first progress (what is unlocked).

The enrollment is stored flagged until its follow-up is queued (in the outbox); the sweep
finishes a follow-up a dead process cut short.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from analytics.services import activity_log_request
from config.exceptions import NotFound
from integrations.events import enrollment_created_record
from learning.documents import Enrollment
from learning.selectors import course_get
from learning.services import enrollment_followup_done, enrollment_store
from progress.services import progress_recalculation_request

logger = logging.getLogger(__name__)


def enrollment_create(*, user: AbstractBaseUser, course_id: str) -> tuple[Enrollment, bool]:
    """Enroll the learner in a course they can see; return the enrollment and whether it is new."""
    course = course_get(course_id=course_id)
    if not course.published and not user.is_staff:
        raise NotFound(f"Course {course_id} not found")
    enrollment, created = enrollment_store(user_id=user.pk, course_id=course.id)
    if created:
        _follow_up(enrollment)
    return enrollment, created


def _follow_up(enrollment: Enrollment) -> None:
    course_id = str(enrollment.course_id)
    activity_log_request(user_id=enrollment.user_id, verb="enrolled", course_id=course_id,
                         event_id=f"enrolled:{enrollment.id}", occurred_at=enrollment.enrolled_at)
    progress_recalculation_request(user_id=enrollment.user_id, course_id=course_id)
    enrollment_created_record(enrollment=enrollment)
    enrollment_followup_done(enrollment_id=enrollment.id)


def enrollment_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Finish enrollments whose request died before queueing their follow-up."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    repaired = 0
    for enrollment in Enrollment.objects(followup_pending=True,
                                         enrolled_at__lt=cutoff).limit(limit):
        _follow_up(enrollment)
        repaired += 1
    if repaired:
        logger.warning("finished the follow-up of %d enrollment(s)", repaired)
    return repaired
