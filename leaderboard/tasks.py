"""Celery tasks of the leaderboard app."""
from __future__ import annotations

from celery import current_task
from django.conf import settings

from config.task_names import (
    ARCHIVE_LEADERBOARDS,
    CHECK_LEADERBOARD_DRIFT,
    PREBUILD_WEEKLY_BOARDS,
    REBUILD_ALL_LEADERBOARDS,
    REBUILD_LEADERBOARD,
    REVEAL_DUE_MARKS,
    UPDATE_LEADERBOARD,
)
from config.tasks import domain_task
from leaderboard.archives import periods_archive_due
from leaderboard.global_rebuild import drift_check_every_board, global_board_rebuild
from leaderboard.keys import GLOBAL_ID
from leaderboard.services import (
    leaderboard_board_rebuild,
    leaderboard_course_rebuild,
    leaderboard_next_weeks_prebuild,
    leaderboard_rebuild_request,
    leaderboard_reveals_rebuild,
    leaderboard_user_score_update,
)
from leaderboard.windows import window_from_name
from learning.selectors import course_ids_all

# Runs every 5 minutes (the beat schedule); looking further back covers a missed run or two.
REVEAL_LOOKBACK_MINUTES = 15


@domain_task(name=UPDATE_LEADERBOARD)
def update_leaderboard(course_id: str, user_id: int) -> dict:
    """Recompute one learner's scores and write them to the course's boards."""
    return leaderboard_user_score_update(course_id=course_id, user_id=user_id)


@domain_task(name=REBUILD_LEADERBOARD)
def rebuild_leaderboard(course_id: str, window: str | None = None,
                        only_if_missing: bool = False) -> dict:
    """Rebuild one board (`window`, e.g. "week:2026-W48"), or the course's all-time and current
    week's boards (and its groups'), from MongoDB; course_id "global": the global board.

    A board whose lock another rebuild holds is tried again once that lease ends (only if still
    missing then): the holder may be a killed worker, and this run must not settle the work.
    """
    if course_id == GLOBAL_ID:
        return global_board_rebuild()
    if window is None:
        result = leaderboard_course_rebuild(course_id=course_id, only_if_missing=only_if_missing)
        busy = [board["busy_seconds"] for board in result["boards"] if "busy_seconds" in board]
    else:
        result = leaderboard_board_rebuild(course_id=course_id, window=window_from_name(window),
                                           only_if_missing=only_if_missing)
        busy = [result["busy_seconds"]] if "busy_seconds" in result else []
    if busy:
        raise current_task.retry(countdown=max(busy) + 1, kwargs={
            "course_id": course_id, "window": window, "only_if_missing": True})
    return result


@domain_task(name=REBUILD_ALL_LEADERBOARDS)
def rebuild_all_leaderboards() -> dict:
    """Queue a rebuild of every course board (the nightly schedule)."""
    queued = [leaderboard_rebuild_request(course_id=course_id)
              for course_id in [*course_ids_all(), GLOBAL_ID]]
    return {"queued": sum(1 for task_id in queued if task_id)}


@domain_task(name=PREBUILD_WEEKLY_BOARDS)
def prebuild_weekly_boards() -> dict:
    """Build the next day's, week's, month's and seasons' boards shortly before they start, so
    no reader ever finds them missing."""
    return {"built": leaderboard_next_weeks_prebuild(within_hours=settings.LEADERBOARD_PREBUILD_HOURS)}


@domain_task(name=REVEAL_DUE_MARKS)
def reveal_due_marks() -> dict:
    """Rebuild the boards of courses whose hidden marks were just shown (their due date passed)."""
    return {"queued": leaderboard_reveals_rebuild(within_minutes=REVEAL_LOOKBACK_MINUTES)}


@domain_task(name=ARCHIVE_LEADERBOARDS)
def archive_leaderboards() -> dict:
    """Freeze finished periods' boards in MongoDB archives (idempotent: archived ones are left)."""
    return {"archived": periods_archive_due()}


@domain_task(name=CHECK_LEADERBOARD_DRIFT)
def check_leaderboard_drift() -> dict:
    """Compare a sample of every live board with MongoDB and repair what differs."""
    return drift_check_every_board()
