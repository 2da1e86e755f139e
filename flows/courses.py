"""Course changed: store it, then, if its outline changed, recompute every learner and board;
if it was published or unpublished, rebuild the global board (it sums published courses only).

The course is stored with `fanout_pending` set; it is cleared once the recalculations and the
rebuild are queued (in the outbox), so the sweep redoes a fan-out a dead process cut short.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from leaderboard.keys import GLOBAL_ID
from leaderboard.services import leaderboard_rebuild_request
from learning.documents import Course
from learning.services import course_fanout_done, course_update
from progress.services import progress_outline_changed

logger = logging.getLogger(__name__)


def course_change(*, course_id: str, data: dict, expected_revision: int | None = None) -> Course:
    """Apply a full or partial update; an outline change recalculates every enrolled learner and
    rebuilds the course's boards, (un)publishing rebuilds the global board."""
    course, outline_changed, published_changed = course_update(
        course_id=course_id, data=data, expected_revision=expected_revision)
    if outline_changed:
        _fan_out(str(course.id), course.outline_version)
    if published_changed:
        # A process that dies right here leaves the global board to the nightly rebuild.
        leaderboard_rebuild_request(course_id=GLOBAL_ID)
    return course


def _fan_out(course_id: str, outline_version: int) -> None:
    progress_outline_changed(course_id=course_id)
    leaderboard_rebuild_request(course_id=course_id)
    course_fanout_done(course_id=course_id, outline_version=outline_version)


def course_fanouts_repair(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    """Redo the fan-out of outline changes whose process died before queueing it."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    cursor = Course._get_collection().find({"fanout_pending": True, "updated_at": {"$lt": cutoff}},
                                           {"outline_version": 1}).limit(limit)
    repaired = 0
    for doc in cursor:
        _fan_out(str(doc["_id"]), doc["outline_version"])
        repaired += 1
    if repaired:
        logger.warning("finished the outline-change fan-out of %d course(s)", repaired)
    return repaired
