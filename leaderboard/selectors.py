"""Reads of the leaderboard app: top-N pages and "my rank", hydrated with profiles."""
from __future__ import annotations

from config.redis import redis_client
from leaderboard import keys
from leaderboard.scoring import points_display, rank_from_index
from leaderboard.services import leaderboard_rebuild
from learning.selectors import profiles_get_many

# My rank, score, the board size and the learners around me, in one round trip.
_ME_SCRIPT = """
local count = redis.call('ZCARD', KEYS[1])
local empty = redis.call('EXISTS', KEYS[2])
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
if not rank then return {-1, false, count, 0, {}, empty} end
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local around = tonumber(ARGV[2])
local start = rank - around
if start < 0 then start = 0 end
local page = redis.call('ZREVRANGE', KEYS[1], start, rank + around, 'WITHSCORES')
return {rank, score, count, start, page, empty}
"""

REBUILD_WAIT_SECONDS = 30


def leaderboard_page(*, course_id: str, limit: int, offset: int) -> dict:
    """Top learners from `offset`, with ranks, points and profiles."""
    count, page = _page_read(course_id, limit, offset)
    if count == 0 and _board_missing(course_id):
        leaderboard_rebuild(course_id=course_id, wait_seconds=REBUILD_WAIT_SECONDS)
        count, page = _page_read(course_id, limit, offset)
    return {"course_id": course_id, "count": count, "results": _entries(page, offset)}


def leaderboard_me(*, course_id: str, user_id: int, around: int) -> dict:
    """A learner's rank and points, the board size, and the learners around them."""
    result = _me_read(course_id, user_id, around)
    if result[2] == 0 and not result[5] and _board_missing(course_id):
        leaderboard_rebuild(course_id=course_id, wait_seconds=REBUILD_WAIT_SECONDS)
        result = _me_read(course_id, user_id, around)
    rank, score, count, start, page, _ = result
    if rank < 0:
        return {"course_id": course_id, "user_id": user_id, "rank": None, "score": None,
                "count": count, "around": []}
    return {
        "course_id": course_id,
        "user_id": user_id,
        "rank": rank_from_index(rank),
        "score": points_display(float(score)),
        "count": count,
        "around": _entries(_pairs(page), start),
    }


def _page_read(course_id: str, limit: int, offset: int) -> tuple[int, list[tuple[str, float]]]:
    pipe = redis_client().pipeline(transaction=False)
    board = keys.board_key(course_id)
    pipe.zcard(board)
    pipe.zrevrange(board, offset, offset + limit - 1, withscores=True)
    count, page = pipe.execute()
    return count, page


def _me_read(course_id: str, user_id: int, around: int) -> list:
    return redis_client().eval(_ME_SCRIPT, 2, keys.board_key(course_id),
                               keys.empty_marker_key(course_id), str(user_id), around)


def _board_missing(course_id: str) -> bool:
    """True when Redis has no board and no record that the board is legitimately empty."""
    client = redis_client()
    return not client.exists(keys.board_key(course_id), keys.empty_marker_key(course_id))


def _pairs(flat: list) -> list[tuple[bytes, float]]:
    return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]


def _entries(page: list[tuple[bytes | str, float]], start: int) -> list[dict]:
    """Ranked entries for a slice of the board, hydrated with one batched profile read."""
    user_ids = [int(member) for member, _ in page]
    profiles = profiles_get_many(user_ids=user_ids)
    entries = []
    for index, (user_id, (_, score)) in enumerate(zip(user_ids, page, strict=True)):
        profile = profiles.get(user_id, {})
        entries.append({
            "rank": rank_from_index(start + index),
            "user_id": user_id,
            "score": points_display(score),
            "display_name": profile.get("display_name"),
            "avatar_url": profile.get("avatar_url") or None,
        })
    return entries
