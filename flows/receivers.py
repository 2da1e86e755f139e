"""What follows from the apps' announcements: each receiver hands the news to another app."""
from __future__ import annotations

from datetime import datetime

from django.dispatch import receiver

from analytics.services import course_completion_record
from progress.signals import course_completed


@receiver(course_completed, dispatch_uid="flows.course_completed.activity")
def _course_completed_activity(*, user_id: int, course_id: str, completed_at: datetime,
                               **kwargs) -> None:
    """A completed course becomes one `completed_course` activity event."""
    course_completion_record(user_id=user_id, course_id=course_id, completed_at=completed_at)
