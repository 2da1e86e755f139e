"""Celery tasks of the leaderboard app."""
from __future__ import annotations

from config.tasks import domain_task
from leaderboard.services import (
    leaderboard_rebuild,
    leaderboard_rebuild_request,
    leaderboard_user_score_update,
)
from learning.selectors import course_ids_all


@domain_task(name="UPDATE_LEADERBOARD")
def update_leaderboard(course_id: str, user_id: int) -> dict:
    """Recompute one learner's points and write them to the course board."""
    return {"points": leaderboard_user_score_update(course_id=course_id, user_id=user_id)}


@domain_task(name="REBUILD_LEADERBOARD")
def rebuild_leaderboard(course_id: str) -> dict:
    """Rebuild a whole course board from MongoDB."""
    return leaderboard_rebuild(course_id=course_id)


@domain_task(name="REBUILD_ALL_LEADERBOARDS")
def rebuild_all_leaderboards() -> dict:
    """Queue a rebuild of every course board (the nightly schedule)."""
    queued = [leaderboard_rebuild_request(course_id=course_id) for course_id in course_ids_all()]
    return {"queued": sum(1 for task_id in queued if task_id)}
