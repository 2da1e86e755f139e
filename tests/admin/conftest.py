"""Fixtures for the admin pages over MongoDB: a logged-in staff browser and some data."""
from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from analytics.documents import ActivityLog
from api.learning.serializers import CourseWriteSerializer
from learning.documents import ContentAttempt, Course, Enrollment
from learning.services import attempt_summary_merge, course_create
from tests.factories import python_course_payload


@pytest.fixture
def admin_browser(staff) -> Client:
    """Django's test client, logged in to the admin as a staff user (CSRF: see test_edit)."""
    client = Client()
    client.force_login(staff)
    return client


def course_make(*, created_by: int, **overrides) -> Course:
    """A course created by the same service and serializer as the API uses."""
    serializer = CourseWriteSerializer(data=python_course_payload(**overrides))
    serializer.is_valid(raise_exception=True)
    return course_create(data=serializer.validated_data, created_by=created_by)


def items_of(course: Course) -> list:
    """Every item of a course, in course order."""
    return course.outline.items()


def item_named(course: Course, title: str):
    return next(item for item in items_of(course) if item.title == title)


@pytest.fixture
def course(staff) -> Course:
    return course_make(created_by=staff.pk)


def enrollment_add(*, user_id: int, course: Course) -> None:
    """Stored directly, so no task is queued."""
    Enrollment(user_id=user_id, course_id=course.id).save()


def attempt_add(*, user_id: int, course: Course, title: str, marks: float | None = None,
                completed: bool = False) -> ContentAttempt:
    """An attempt stored directly in MongoDB (no task queued), as if the API had stored it."""
    item = item_named(course, title)
    attempt = ContentAttempt(user_id=user_id, course_id=course.id, item_id=item.id, kind=item.kind,
                             marks=marks, completed=completed)
    attempt.save()
    attempt_summary_merge(attempt=attempt)
    return attempt


def activity_add(*, user_id: int, verb: str, course: Course | None = None, n: int = 0) -> ActivityLog:
    event = ActivityLog(event_id=f"event-{user_id}-{verb}-{n}", user_id=user_id, verb=verb,
                        course_id=course.id if course else None, occurred_at=timezone.now(),
                        data={"n": n})
    event.save()
    return event
