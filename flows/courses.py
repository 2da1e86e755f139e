"""Course changed: store it, then, if its outline changed, recompute every learner and board."""
from __future__ import annotations

from leaderboard.services import leaderboard_rebuild_request
from learning.documents import Course
from learning.services import course_update
from progress.services import progress_outline_changed


def course_change(*, course_id: str, data: dict, expected_revision: int | None = None) -> Course:
    """Apply a full or partial update; an outline change recalculates every enrolled learner and
    rebuilds the course's boards."""
    course, outline_changed = course_update(course_id=course_id, data=data,
                                            expected_revision=expected_revision)
    if outline_changed:
        progress_outline_changed(course_id=str(course.id))
        leaderboard_rebuild_request(course_id=str(course.id))
    return course
