"""What follows from the apps' announcements: each receiver hands the news to another app."""
from __future__ import annotations

from datetime import datetime

from django.dispatch import receiver
from django.utils import timezone

from analytics.services import course_completion_record
from integrations.events import course_completed_record, course_passed_record, rank_changed_record
from leaderboard.signals import top_changed
from learning.correction_selectors import user_erasure_get
from progress.signals import course_completed, course_passed


@receiver(course_completed, dispatch_uid="flows.course_completed.activity")
def _course_completed_activity(*, user_id: int, course_id: str, completed_at: datetime,
                               **kwargs) -> None:
    """A completed course becomes one `completed_course` activity event."""
    course_completion_record(user_id=user_id, course_id=course_id, completed_at=completed_at)


@receiver(course_completed, dispatch_uid="flows.course_completed.event")
def _course_completed_event(*, user_id: int, course_id: str, completed_at: datetime,
                            **kwargs) -> None:
    """A completed course becomes a `course.completed` event (webhooks, xAPI)."""
    course_completed_record(user_id=user_id, course_id=course_id, completed_at=completed_at)


@receiver(course_passed, dispatch_uid="flows.course_passed.event")
def _course_passed_event(*, user_id: int, course_id: str, passed_at: datetime,
                         grade_percent: float | None, **kwargs) -> None:
    """A first passing grade becomes a `course.passed` event (webhooks, xAPI)."""
    course_passed_record(user_id=user_id, course_id=course_id, passed_at=passed_at,
                         grade_percent=grade_percent)


@receiver(top_changed, dispatch_uid="flows.top_changed.event")
def _top_changed_events(*, course_id: str, order: str, top_n: int, entered: list, left: list,
                        **kwargs) -> None:
    """Each learner entering or leaving the top N becomes a `leaderboard.rank_changed` event."""
    now = timezone.now()
    for user_id, rank in entered:
        rank_changed_record(course_id=course_id, user_id=user_id, change="entered", rank=rank,
                            top_n=top_n, order=order, at=now)
    for user_id in left:
        if user_erasure_get(user_id=user_id) is not None:
            continue  # taken off the board by their erasure: no event names them any more
        rank_changed_record(course_id=course_id, user_id=user_id, change="left", rank=None,
                            top_n=top_n, order=order, at=now)
