"""Boards after staff corrections: a learner taken off the past weeks' boards still kept."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys
from leaderboard.groups import group_ids_all
from leaderboard.lua import LEVELS
from leaderboard.scoring import SEASON
from leaderboard.seasons import seasons_ended
from leaderboard.windows import (
    current_periods,
    period_containing,
    retention_of,
    update_windows,
    window_expiry,
)

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
    """Remove the learner from the course's past day, week, month and season boards older than
    the ones a learner update touches (UPDATE_LEADERBOARD recomputes those), the course's and its
    groups'. Used when a reset or an erasure took away every attempt those periods counted;
    nothing writes those boards again but a rebuild, which reads MongoDB, where the attempts are
    no longer live. Returns the boards it changed."""
    now = timezone.now()
    touched = {window.name for window in update_windows(now=now)}
    windows = []
    for current in current_periods(now=now):
        period = current
        while True:
            period = period_containing(period.kind, period.start - timedelta(seconds=1))
            if window_expiry(period) <= now:
                break
            if period.name not in touched:
                windows.append(period)
    windows += [w for w in seasons_ended(course_id=course_id, since=now - retention_of(SEASON),
                                         until=now) if w.name not in touched]
    names = [w.of_group(group).name for w in windows
             for group in [None, *group_ids_all(course_id=course_id)]]
    if not names:
        return 0
    keys_ = [key for name in names for key in keys.board_keys(course_id, name)]
    return int(redis_client().eval(_FORGET, len(keys_), *keys_, str(user_id)))
