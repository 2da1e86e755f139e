"""Learner enrolled: store it, log it, and compute their first progress (what is unlocked)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from analytics.services import activity_log_request
from config.exceptions import NotFound
from learning.documents import Enrollment
from learning.selectors import course_get
from learning.services import enrollment_store
from progress.services import progress_recalculation_request


def enrollment_create(*, user: AbstractBaseUser, course_id: str) -> tuple[Enrollment, bool]:
    """Enroll the learner in a course they can see; return the enrollment and whether it is new."""
    course = course_get(course_id=course_id)
    if not course.published and not user.is_staff:
        raise NotFound(f"Course {course_id} not found")
    enrollment, created = enrollment_store(user_id=user.pk, course_id=course.id)
    if created:
        activity_log_request(user_id=user.pk, verb="enrolled", course_id=str(course.id))
        progress_recalculation_request(user_id=user.pk, course_id=str(course.id))
    return enrollment, created
