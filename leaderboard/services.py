"""Writes of the leaderboard app: per-learner score updates and atomic whole-board rebuilds."""
from __future__ import annotations

import logging
import time
import uuid

import redis.exceptions
from bson import ObjectId

from config.redis import redis_client
from leaderboard import keys
from learning.dispatch import task_dispatch
from learning.documents import ContentAttempt
from learning.selectors import course_outline_get, object_id_parse

logger = logging.getLogger(__name__)

UPDATE_LEADERBOARD = "UPDATE_LEADERBOARD"
REBUILD_LEADERBOARD = "REBUILD_LEADERBOARD"

# Release the lock only if we still own it (it may have expired and been taken by another).
_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def leaderboard_update_request(*, course_id: str, user_id: int) -> bool:
    """Queue UPDATE_LEADERBOARD unless one is already queued for this learner."""
    marker = keys.update_pending_key(course_id, user_id)
    try:
        if not redis_client().set(marker, 1, nx=True, ex=keys.PENDING_TTL_SECONDS):
            return False
    except redis.exceptions.RedisError:
        logger.warning("cache unavailable, queueing leaderboard update without coalescing")
    queued = task_dispatch(
        task_name=UPDATE_LEADERBOARD,
        kwargs={"course_id": course_id, "user_id": user_id},
        pending_key=f"{UPDATE_LEADERBOARD}:{course_id}:{user_id}",
    )
    if not queued:
        redis_client().delete(marker)
    return queued


def leaderboard_rebuild_request(*, course_id: str) -> str | None:
    """Queue REBUILD_LEADERBOARD; return the task id, or None if parked for later."""
    task_id = str(uuid.uuid4())
    queued = task_dispatch(
        task_name=REBUILD_LEADERBOARD,
        kwargs={"course_id": course_id},
        pending_key=f"{REBUILD_LEADERBOARD}:{course_id}",
        task_id=task_id,
    )
    return task_id if queued else None


def scores_aggregate(*, course_id: str, user_id: int | None = None) -> dict[int, float]:
    """Points per learner from MongoDB: best marks per current item, summed (one aggregation)."""
    outline = course_outline_get(course_id=course_id)
    item_ids = [ObjectId(item.id) for item in outline.items()]
    match: dict = {
        "course_id": object_id_parse(course_id, what="course_id"),
        "item_id": {"$in": item_ids},
        "marks": {"$ne": None},
    }
    if user_id is not None:
        match["user_id"] = user_id
    pipeline = [
        {"$match": match},
        {"$group": {"_id": {"u": "$user_id", "i": "$item_id"}, "best": {"$max": "$marks"}}},
        {"$group": {"_id": "$_id.u", "points": {"$sum": "$best"}}},
    ]
    rows = ContentAttempt._get_collection().aggregate(pipeline, allowDiskUse=True)
    return {row["_id"]: round(float(row["points"]), 2) for row in rows}


def leaderboard_user_score_update(*, course_id: str, user_id: int) -> float | None:
    """Recompute one learner's points from MongoDB and write them to the board."""
    client = redis_client()
    client.delete(keys.update_pending_key(course_id, user_id))
    points = scores_aggregate(course_id=course_id, user_id=user_id).get(user_id)
    if points is None:
        return None
    board = keys.board_key(course_id)
    if not client.exists(board):
        # No board yet (or evicted): build it whole so it does not hold only this learner.
        leaderboard_rebuild(course_id=course_id)
        return points
    client.zadd(board, {str(user_id): points})
    client.delete(keys.empty_marker_key(course_id))
    return points


def leaderboard_rebuild(*, course_id: str, wait_seconds: float = 0) -> dict:
    """Rebuild a board from MongoDB into a temporary key, then RENAME it over the live one.

    Only one rebuild per board runs at a time; a caller that finds the lock taken waits up
    to `wait_seconds` for that rebuild to finish and returns {"skipped": True}.
    """
    client = redis_client()
    lock_key, token = keys.rebuild_lock_key(course_id), uuid.uuid4().hex
    if not client.set(lock_key, token, nx=True, ex=keys.REBUILD_LOCK_TTL_SECONDS):
        _wait_for_release(client, lock_key, wait_seconds)
        return {"course_id": course_id, "skipped": True}
    try:
        started = time.perf_counter()
        scores = scores_aggregate(course_id=course_id)
        mongo_seconds = time.perf_counter() - started
        members = _board_write(client, course_id, scores)
        total = time.perf_counter() - started
        logger.info("leaderboard rebuilt course=%s members=%d mongo=%.3fs redis=%.3fs",
                    course_id, members, mongo_seconds, total - mongo_seconds)
        return {"course_id": course_id, "members": members, "mongo_seconds": round(mongo_seconds, 4),
                "redis_seconds": round(total - mongo_seconds, 4)}
    finally:
        client.eval(_RELEASE_LOCK, 1, lock_key, token)


def _board_write(client: redis.Redis, course_id: str, scores: dict[int, float]) -> int:
    """Write scores to the temporary key in pipelined batches and swap it in atomically."""
    tmp, live = keys.board_tmp_key(course_id), keys.board_key(course_id)
    client.delete(tmp)
    if not scores:
        client.delete(live)
        client.set(keys.empty_marker_key(course_id), 1, ex=keys.EMPTY_MARKER_TTL_SECONDS)
        return 0
    items = list(scores.items())
    pipe = client.pipeline(transaction=False)
    for start in range(0, len(items), keys.REBUILD_BATCH_SIZE):
        batch = items[start:start + keys.REBUILD_BATCH_SIZE]
        pipe.zadd(tmp, {str(user_id): points for user_id, points in batch})
        if len(pipe) >= 10:
            pipe.execute()
    pipe.rename(tmp, live)
    pipe.delete(keys.empty_marker_key(course_id))
    pipe.execute()
    return len(items)


def _wait_for_release(client: redis.Redis, lock_key: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and client.exists(lock_key):
        time.sleep(0.05)
