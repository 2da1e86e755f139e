"""Boards after staff corrections: a learner taken off the past weeks' boards still kept."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys
from leaderboard.windows import current_week, update_windows, window_expiry


def leaderboard_past_weeks_forget(*, course_id: str, user_id: int) -> int:
    """Remove the learner from the course's weekly boards older than the ones a learner update
    touches (UPDATE_LEADERBOARD recomputes those). Used when a reset or an erasure took away
    every attempt those weeks counted; nothing writes those boards again but a rebuild, which
    reads MongoDB, where the attempts are no longer live. Returns the boards it changed."""
    now = timezone.now()
    touched = {window.name for window in update_windows(now=now)}
    week = current_week(now=now)
    names = []
    while True:
        week = current_week(now=week.start - timedelta(days=1))
        if window_expiry(week) <= now:
            break
        if week.name not in touched:
            names.append(week.name)
    if not names:
        return 0
    pipe = redis_client().pipeline(transaction=False)
    for name in names:
        pipe.zrem(keys.board_key(course_id, name), str(user_id))
    return sum(pipe.execute())
