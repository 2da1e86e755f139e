"""Celery tasks of the leaderboard app."""
from __future__ import annotations

from config.task_names import (
    CHECK_LEADERBOARD_DRIFT,
    REBUILD_ALL_LEADERBOARDS,
    REBUILD_LEADERBOARD,
    UPDATE_LEADERBOARD,
)
from config.tasks import domain_task
from leaderboard.services import (
    leaderboard_course_rebuild,
    leaderboard_drift_check_all,
    leaderboard_rebuild_request,
    leaderboard_user_score_update,
)
from learning.selectors import course_ids_all


@domain_task(name=UPDATE_LEADERBOARD)
def update_leaderboard(course_id: str, user_id: int) -> dict:
    """Recompute one learner's scores and write them to the course's boards."""
    return leaderboard_user_score_update(course_id=course_id, user_id=user_id)


@domain_task(name=REBUILD_LEADERBOARD)
def rebuild_leaderboard(course_id: str) -> dict:
    """Rebuild a course's all-time and current-week boards from MongoDB."""
    return leaderboard_course_rebuild(course_id=course_id)


@domain_task(name=REBUILD_ALL_LEADERBOARDS)
def rebuild_all_leaderboards() -> dict:
    """Queue a rebuild of every course board (the nightly schedule)."""
    queued = [leaderboard_rebuild_request(course_id=course_id) for course_id in course_ids_all()]
    return {"queued": sum(1 for task_id in queued if task_id)}


@domain_task(name=CHECK_LEADERBOARD_DRIFT)
def check_leaderboard_drift() -> dict:
    """Compare a sample of every live board with MongoDB and repair what differs."""
    return leaderboard_drift_check_all()
