"""Reads of the progress app: cache first, then MongoDB, then a fresh computation."""
from __future__ import annotations

import json
import logging

import redis.exceptions
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.redis import redis_client
from learning.outline import Outline
from learning.selectors import (
    attempt_facts_get,
    attempt_summary_facts,
    enrollment_date_get,
    enrollment_user_ids,
    object_id_parse,
    profiles_get_many,
)
from progress.calculation import progress_calculate
from progress.documents import CourseProgress
from progress.keys import progress_cache_key, progress_pending_key, progress_running_key
from progress.services import progress_cache_set, progress_payload, progress_recalculate

logger = logging.getLogger(__name__)


def progress_get(*, user_id: int, course_id: str, fresh: bool = False) -> dict:
    """One learner's progress with `pending` (a recalculation is queued or running)."""
    if fresh:
        payload = progress_recalculate(user_id=user_id, course_id=course_id)
        if payload:
            return {**payload, "pending": _pending(user_id, course_id)}
    cached, pending = _cache_read(user_id, course_id)
    if cached is not None and not _expired(cached):
        return {**cached, "pending": pending}
    stored = _stored_payload(user_id, course_id)
    if stored is not None and not _expired(stored):
        payload = stored
        progress_cache_set(user_id=user_id, course_id=course_id, payload=payload)
    else:
        # {} when a concurrent, newer computation stored first: read what it stored.
        payload = (progress_recalculate(user_id=user_id, course_id=course_id)
                   or _stored_payload(user_id, course_id))
    return {**payload, "pending": pending}


def _stored_payload(user_id: int, course_id: str) -> dict | None:
    """The progress document in MongoDB as the API presents it, if there is one."""
    doc = CourseProgress._get_collection().find_one(
        {"user_id": user_id, "course_id": object_id_parse(course_id, what="course_id")})
    return progress_payload(doc) if doc is not None else None


def _expired(payload: dict) -> bool:
    """A date rule flipped since this was computed (e.g. a lesson opened this morning)."""
    valid_until = payload.get("valid_until")
    return bool(valid_until) and parse_datetime(valid_until) <= timezone.now()


def _cache_read(user_id: int, course_id: str) -> tuple[dict | None, bool]:
    """Cached payload and pending flag in one round trip; (None, False) if Redis is down."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.get(progress_cache_key(user_id, course_id))
        pipe.exists(progress_pending_key(user_id, course_id), progress_running_key(user_id, course_id))
        raw, pending = pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("progress cache read failed: %s", exc)
        return None, False
    return (json.loads(raw) if raw else None), bool(pending)


def _pending(user_id: int, course_id: str) -> bool:
    try:
        return bool(redis_client().exists(progress_pending_key(user_id, course_id),
                                          progress_running_key(user_id, course_id)))
    except redis.exceptions.RedisError:
        return False


def item_lock_get(*, user_id: int, outline: Outline, item_id: str) -> dict | None:
    """Why the item is locked for the learner, or None if they may attempt it.

    The cache answers when it already shows the item open for this outline; otherwise the
    unlocks are computed from MongoDB (the attempt summary, then every attempt before refusing),
    so a learner who just finished the previous item is never refused because the worker has
    not caught up yet.
    """
    cached, _ = _cache_read(user_id, outline.course_id)
    if (cached and cached.get("outline_version") == outline.version and not _expired(cached)
            and item_id in cached.get("unlocked", {}).get("items", ())):
        return None
    now = timezone.now()
    enrolled_at = enrollment_date_get(user_id=user_id, outline=outline)
    summary = attempt_summary_facts(user_id=user_id, course_id=outline.course_id)
    if summary is not None and item_id in progress_calculate(
            outline, summary, now=now, enrolled_at=enrolled_at).unlocked_items:
        return None
    # Refusals are rare: confirm with every attempt, in case the summary merge of one has not
    # landed yet (its request failed after storing it and the sweep has not run).
    result = progress_calculate(outline, attempt_facts_get(user_id=user_id, course_id=outline.course_id),
                                now=now, enrolled_at=enrolled_at)
    if item_id in result.unlocked_items:
        return None
    for element in result.locked:
        if element.id == item_id:
            return element.as_dict()
    return {"type": "item", "id": item_id, "code": "locked", "reason": "It is not unlocked yet."}


PROGRESS_ORDERINGS = ("completion_percent", "marks_obtained", "computed_at", "completed_at", "user_id")


def progress_list(*, course_id: str, ordering: str, limit: int, offset: int) -> dict:
    """Every learner's progress in a course, sorted and paginated, with display names."""
    oid = object_id_parse(course_id, what="course_id")
    field = ordering.lstrip("-")
    direction = -1 if ordering.startswith("-") else 1
    collection = CourseProgress._get_collection()
    count = collection.count_documents({"course_id": oid})
    cursor = (collection.find({"course_id": oid})
              .sort([(field, direction), ("user_id", 1)]).skip(offset).limit(limit))
    rows = [progress_payload(doc) for doc in cursor]
    profiles = profiles_get_many(user_ids=[row["user_id"] for row in rows])
    for row in rows:
        row["display_name"] = profiles.get(row["user_id"], {}).get("display_name")
    return {"course_id": course_id, "count": count, "results": rows}


def progress_summary(*, course_id: str) -> dict:
    """Enrolled learners, mean completion, completed count and a 10-bucket distribution."""
    oid = object_id_parse(course_id, what="course_id")
    enrolled = len(enrollment_user_ids(course_id=course_id))
    # Group by exact percentage in MongoDB; bucket the (few) distinct values here.
    rows = CourseProgress._get_collection().aggregate([
        {"$match": {"course_id": oid}},
        {"$group": {"_id": "$completion_percent", "learners": {"$sum": 1},
                    "completed": {"$sum": {"$cond": [{"$gt": ["$completed_at", None]}, 1, 0]}}}},
    ])
    buckets = [0] * 10
    total_percent, with_progress, completed = 0.0, 0, 0
    for row in rows:
        percent = float(row["_id"] or 0.0)
        buckets[min(int(percent // 10), 9)] += row["learners"]
        total_percent += percent * row["learners"]
        with_progress += row["learners"]
        completed += row["completed"]
    # Enrolled learners whose first recalculation has not run yet count as 0%.
    buckets[0] += max(enrolled - with_progress, 0)
    return {
        "course_id": course_id,
        "enrolled": enrolled,
        "mean_completion_percent": round(total_percent / enrolled, 2) if enrolled else 0.0,
        "completed": completed,
        "distribution": [
            {"from_percent": 10 * i, "to_percent": 10 * i + 10, "learners": buckets[i]}
            for i in range(10)
        ],
    }


def progress_completion_facts(*, course_id: str) -> list[dict]:
    """Per learner of a course: completed item ids and when the course was completed (if)."""
    oid = object_id_parse(course_id, what="course_id")
    cursor = CourseProgress._get_collection().find(
        {"course_id": oid}, {"user_id": 1, "completed_item_ids": 1, "completed_at": 1, "_id": 0})
    return [{"user_id": d["user_id"], "completed_item_ids": d.get("completed_item_ids") or [],
             "completed_at": d.get("completed_at")} for d in cursor]
