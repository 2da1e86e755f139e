"""The global board: every published course's all-time points, weighted per course, summed.

Each learner's per-course share lives in a hash (`…{course:global}:parts:<user>`, course →
"order|weighted cents|reached hour"); UPDATE_LEADERBOARD sets its course's share with the same
order guard as the course boards and re-sums the hash into the board in one script. A rebuild
recomputes every share from MongoDB.
"""
from __future__ import annotations

from datetime import UTC

from bson import ObjectId

from config.redis import script_run
from leaderboard import keys
from leaderboard.aggregation import Score, scores_aggregate
from leaderboard.documents import LeaderboardSettings
from leaderboard.lua import LEVELS
from leaderboard.scoring import ALL_TIME, EPOCH, GLOBAL_SCALE, lua_for
from learning.documents import Course
from learning.selectors import object_id_parse

GLOBAL = keys.GLOBAL_ID
_EPOCH_SECONDS = int(EPOCH.timestamp())

_GLOBAL_APPLY = lua_for(LEVELS, GLOBAL_SCALE) + """
local user, course, order, clock = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local prev = redis.call('HGET', KEYS[1], course)
if prev and string.sub(prev, 1, #order) >= order then return -1 end
if redis.call('EXISTS', KEYS[4]) == 1 then
  redis.call('SADD', KEYS[5], user .. ':' .. course)
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[8]))
end
local floor = tonumber(redis.call('HGET', KEYS[2], 'all') or '0')
if clock < floor or redis.call('EXISTS', KEYS[3], KEYS[6]) == 0 then return 0 end
if ARGV[5] == '' then
  redis.call('HDEL', KEYS[1], course)
else
  redis.call('HSET', KEYS[1], course, order .. '|' .. ARGV[5] .. '|' .. ARGV[6])
end
local parts = redis.call('HGETALL', KEYS[1])
local total, last = 0, -1
for i = 2, #parts, 2 do
  local _, cents, step = string.match(parts[i], '^([^|]*)|([^|]*)|([^|]*)$')
  total = total + tonumber(cents)
  last = math.max(last, tonumber(step))
end
local old = redis.call('ZSCORE', KEYS[3], user)
if old then
  level_move(KEYS[8], KEYS[9], old, -1)
  redis.call('ZREM', KEYS[3], user)
end
redis.call('ZREM', KEYS[7], user)
if last >= 0 and ARGV[7] ~= '1' and ARGV[11] == '1' then
  redis.call('SADD', KEYS[10], user)
else
  redis.call('SREM', KEYS[10], user)
end
if last < 0 then return 1 end
local max_cents, time_max = tonumber(ARGV[9]), tonumber(ARGV[10])
local score = string.format('%.0f', math.min(total, max_cents) * (time_max + 1) + (time_max - last))
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[7], score, user)
else
  redis.call('ZADD', KEYS[3], score, user)
  level_move(KEYS[8], KEYS[9], score, 1)
  redis.call('DEL', KEYS[6])
end
return 1
"""


def hour_step(moment) -> int:
    """Hours from EPOCH to `moment` (the global board's tie-break unit)."""
    seconds = int(moment.timestamp()) if moment.tzinfo else int(
        moment.replace(tzinfo=UTC).timestamp())
    return min(max((seconds - _EPOCH_SECONDS) // GLOBAL_SCALE.unit_seconds, 0), GLOBAL_SCALE.time_max)


def course_weight(*, course_id: str) -> float:
    """The course's weight on the global board: 0 unless published, else staff's weight (1)."""
    oid = object_id_parse(course_id, what="course_id")
    course = Course._get_collection().find_one({"_id": oid}, {"published": 1})
    if not course or not course.get("published"):
        return 0.0
    doc = LeaderboardSettings._get_collection().find_one({"course_id": oid}, {"global_weight": 1})
    weight = (doc or {}).get("global_weight")
    return 1.0 if weight is None else float(weight)


def published_weights() -> dict[str, float]:
    """Every published course with a weight above 0, and its weight."""
    weights = {str(d["_id"]): 1.0 for d in Course._get_collection().find({"published": True}, {"_id": 1})}
    for doc in LeaderboardSettings._get_collection().find(
            {"global_weight": {"$ne": None}}, {"course_id": 1, "global_weight": 1}):
        if str(doc["course_id"]) in weights:
            weights[str(doc["course_id"])] = float(doc["global_weight"])
    return {course_id: w for course_id, w in weights.items() if w > 0}


def weighted_cents(cents: int, weight: float) -> int:
    return round(cents * weight)


def _board_keys() -> list[str]:
    name = ALL_TIME.name
    return [keys.board_key(GLOBAL, name), keys.rebuild_lock_key(GLOBAL, name),
            keys.dirty_key(GLOBAL, name), keys.empty_marker_key(GLOBAL, name),
            keys.hidden_key(GLOBAL, name), keys.levels_key(GLOBAL, name),
            keys.level_counts_key(GLOBAL, name)]


def global_share_write(*, course_id: str, user_id: int, order: str, clock: int,
                       score: Score | None, hidden: bool, anonymous: bool = False) -> int:
    """Set one course's share of a learner's global points (unless a newer one was written) and
    re-sum it into the global board: 1 written, 0 skipped (missing board, or older than its
    rebuild), -1 superseded."""
    weight = course_weight(course_id=course_id)
    share = "" if score is None or weight <= 0 else str(weighted_cents(score[0], weight))
    step = hour_step(score[1]) if score else 0
    board, lock, dirty, empty, hidden_key, levels, counts = _board_keys()
    return int(script_run(
        _GLOBAL_APPLY, [keys.global_parts_key(user_id), keys.floors_key(GLOBAL), board, lock,
                        dirty, empty, hidden_key, levels, counts, keys.anonymous_key(GLOBAL, "all")],
        [str(user_id), course_id, order, clock, share, step, "1" if hidden else "0",
         keys.DIRTY_TTL_SECONDS, GLOBAL_SCALE.max_cents, GLOBAL_SCALE.time_max,
         "1" if anonymous else "0"]))


def global_scores_aggregate(*, user_ids: list[int] | None = None
                            ) -> tuple[dict[int, dict[str, tuple[int, int]]], dict[int, int]]:
    """From MongoDB: each learner's (weighted cents, reached hour) per published course, and
    their global composite."""
    shares: dict[int, dict[str, tuple[int, int]]] = {}
    for course_id, weight in sorted(published_weights().items()):
        for user_id, (cents, reached_at) in scores_aggregate(
                course_id=course_id, window=ALL_TIME, user_ids=user_ids).items():
            shares.setdefault(user_id, {})[course_id] = (weighted_cents(cents, weight),
                                                         hour_step(reached_at))
    composites = {}
    for user_id, parts in shares.items():
        total = min(sum(c for c, _ in parts.values()), GLOBAL_SCALE.max_cents)
        last = max(step for _, step in parts.values())
        composites[user_id] = (total << GLOBAL_SCALE.time_bits) + (GLOBAL_SCALE.time_max - last)
    return shares, composites


def global_weight_get(*, course_id: str) -> dict:
    doc = LeaderboardSettings._get_collection().find_one(
        {"course_id": ObjectId(course_id)}, {"global_weight": 1}) or {}
    weight = doc.get("global_weight")
    return {"course_id": course_id, "weight": 1.0 if weight is None else weight}
