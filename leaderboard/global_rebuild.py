"""Rebuild, drift check and weights of the global board (see leaderboard.global_board)."""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys
from leaderboard.documents import LeaderboardSettings
from leaderboard.global_board import GLOBAL, global_scores_aggregate
from leaderboard.privacy import hidden_user_ids
from leaderboard.scoring import ALL_TIME, GLOBAL_SCALE
from leaderboard.services import (
    RELEASE_LOCK,
    board_write,
    leaderboard_drift_check_all,
    leaderboard_rebuild_request,
    leaderboard_user_score_update,
    redis_clock,
)
from learning.selectors import enrolled_course_ids, object_id_parse

logger = logging.getLogger(__name__)


def global_board_rebuild(*, only_if_missing: bool = False,
                         progress: Callable[[int, int], None] | None = None) -> dict:
    """Rebuild the global board and every learner's shares from MongoDB (one rebuild at a time)."""
    client = redis_client()
    name = ALL_TIME.name
    result: dict = {"course_id": GLOBAL, "window": name}
    lock_key, token = keys.rebuild_lock_key(GLOBAL, name), uuid.uuid4().hex
    if not client.set(lock_key, token, nx=True, ex=settings.CELERY_TASK_TIME_LIMIT):
        return {**result, "skipped": True}
    try:
        if only_if_missing and client.exists(keys.board_key(GLOBAL, name),
                                              keys.empty_marker_key(GLOBAL, name)):
            return {**result, "skipped": True}
        client.delete(keys.dirty_key(GLOBAL, name))
        floor = redis_clock(client)
        started = time.perf_counter()
        shares, composites = global_scores_aggregate()
        mongo_seconds = time.perf_counter() - started
        started = time.perf_counter()
        _shares_write(client, shares, order=f"{0:012d}:{floor:017d}")
        members = board_write(client, GLOBAL, ALL_TIME, list(composites.items()), floor, progress,
                              GLOBAL_SCALE)
        redis_seconds = time.perf_counter() - started
        client.hincrby(keys.stats_key(GLOBAL), f"rebuilds:{name}", 1)
    finally:
        client.eval(RELEASE_LOCK, 1, lock_key, token)
        client.delete(keys.rebuild_requested_key(GLOBAL, name))
    pipe = client.pipeline(transaction=True)
    pipe.smembers(keys.dirty_key(GLOBAL, name))
    pipe.delete(keys.dirty_key(GLOBAL, name))
    dirty, _ = pipe.execute()
    for member in dirty:
        user_id, course_id = member.decode().split(":")
        leaderboard_user_score_update(course_id=course_id, user_id=int(user_id))
    logger.info("leaderboard rebuilt course=global window=all members=%d mongo=%.3fs redis=%.3fs "
                "reapplied=%d", members, mongo_seconds, redis_seconds, len(dirty))
    return {**result, "members": members, "mongo_seconds": round(mongo_seconds, 4),
            "redis_seconds": round(redis_seconds, 4), "reapplied": len(dirty)}


def _shares_write(client, shares: dict[int, dict[str, tuple[int, int]]], *, order: str) -> None:
    """Replace every learner's shares hash; drop the hashes of learners with no share left."""
    keep = {keys.global_parts_key(user_id).encode() for user_id in shares}
    stale = [key for key in client.scan_iter(match=keys.global_parts_key("*"), count=1000)
             if key not in keep]
    pipe = client.pipeline(transaction=False)
    for start in range(0, len(stale), 1000):
        pipe.unlink(*stale[start:start + 1000])
    for user_id, parts in shares.items():
        key = keys.global_parts_key(user_id)
        pipe.delete(key)
        pipe.hset(key, mapping={course: f"{order}|{cents}|{step}"
                                for course, (cents, step) in parts.items()})
        if len(pipe) >= 2000:
            pipe.execute()
    pipe.execute()


def global_drift_check(*, sample: int) -> dict:
    """Compare sampled members of the global board with MongoDB; repair through the update path."""
    client = redis_client()
    board, hidden_board = keys.board_key(GLOBAL, "all"), keys.hidden_key(GLOBAL, "all")
    if not client.exists(board):
        return {"course_id": GLOBAL, "checked": 0, "differed": 0, "repaired": 0}
    members = {int(m) for m in client.zrandmember(board, sample) or []}
    members |= {int(m) for m in client.zrandmember(hidden_board, sample) or []}
    user_ids = sorted(members)
    _, truth = global_scores_aggregate(user_ids=user_ids) if user_ids else ({}, {})
    hidden = hidden_user_ids()
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        pipe.zscore(board, str(user_id))
        pipe.zscore(hidden_board, str(user_id))
    stored = pipe.execute()
    differed = []
    for index, user_id in enumerate(user_ids):
        expected = truth.get(user_id)
        found = [None if v is None else int(v) for v in stored[2 * index:2 * index + 2]]
        if found != ([None, expected] if user_id in hidden else [expected, None]):
            differed.append(user_id)
    for user_id in differed:
        for course_id in sorted(enrolled_course_ids(user_id=user_id)):
            leaderboard_user_score_update(course_id=course_id, user_id=user_id)
    if differed:
        logger.warning("leaderboard drift course=global checked=%d differed=%d users=%s",
                       len(user_ids), len(differed), differed[:20])
    return {"course_id": GLOBAL, "checked": len(user_ids), "differed": len(differed),
            "repaired": len(differed)}


def global_weight_set(*, course_id: str, weight: float, updated_by: int) -> dict:
    """Set a course's weight on the global board; the global board is then rebuilt."""
    LeaderboardSettings.objects(course_id=object_id_parse(course_id, what="course_id")).update_one(
        upsert=True, set__global_weight=weight, set__updated_by=updated_by,
        set__updated_at=timezone.now())
    leaderboard_rebuild_request(course_id=GLOBAL)
    return {"course_id": course_id, "weight": weight}


def drift_check_every_board(*, sample: int | None = None) -> dict:
    """Drift check of every course's live boards (groups included) and of the global board."""
    sample = sample or settings.LEADERBOARD_DRIFT_SAMPLE
    courses = leaderboard_drift_check_all(sample=sample)
    worldwide = global_drift_check(sample=sample)
    return {**courses, "checked": courses["checked"] + worldwide["checked"],
            "differed": courses["differed"] + worldwide["differed"]}
