"""Boards after staff corrections: a learner taken off the past weeks' boards still kept."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys
from leaderboard.lua import LEVELS
from leaderboard.windows import current_week, update_windows, window_expiry

# Per board (board, hidden, levels, counts, anonymous): the learner leaves it, and their point
# value's count.
_FORGET = LEVELS + """
local removed = 0
for i = 1, #KEYS, 5 do
  local old = redis.call('ZSCORE', KEYS[i], ARGV[1])
  if old then level_move(KEYS[i + 2], KEYS[i + 3], old, -1) end
  removed = removed + redis.call('ZREM', KEYS[i], ARGV[1]) + redis.call('ZREM', KEYS[i + 1], ARGV[1])
  redis.call('SREM', KEYS[i + 4], ARGV[1])
end
return removed
"""


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
    keys_ = [key for name in names for key in keys.board_keys(course_id, name)]
    return int(redis_client().eval(_FORGET, len(keys_), *keys_, str(user_id)))
