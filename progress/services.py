"""Writes of the progress app: recalculation, its storage and cache, and queueing requests."""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import redis.exceptions
from django.conf import settings
from django.utils import timezone
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from analytics.services import course_completion_record
from config.redis import redis_client
from learning.dispatch import task_dispatch
from learning.selectors import (
    course_outline_get,
    enrollment_date_get,
    enrollment_user_ids,
    object_id_parse,
)
from learning.summaries import attempt_summary_get_or_build
from progress.calculation import ProgressResult, progress_calculate
from progress.documents import CourseProgress
from progress.keys import (
    PENDING_TTL_SECONDS,
    RUNNING_TTL_SECONDS,
    progress_cache_key,
    progress_pending_key,
    progress_recent_key,
    progress_running_key,
    progress_seq_key,
)

logger = logging.getLogger(__name__)

RECALCULATE_COURSE = "RECALCULATE_COURSE"
RECALCULATE_COURSE_ALL = "RECALCULATE_COURSE_ALL"
RECALCULATE_COURSE_BATCH = "RECALCULATE_COURSE_BATCH"
RECALCULATE_BATCH_SIZE = 100

# Write the cache only if it holds nothing newer (compares the computation order, `seq`), and
# clear the "running" marker (KEYS[2]) in the same round trip. The cached JSON starts with its
# `seq`, so the check reads a few bytes instead of decoding the whole payload.
_CACHE_SET_IF_NEWER = """
if KEYS[2] then redis.call('DEL', KEYS[2]) end
local current = redis.call('GET', KEYS[1])
if current then
  local seq = string.match(current, '^{"seq":%s*(%d+)')
  if not seq then
    local ok, doc = pcall(cjson.decode, current)
    seq = ok and doc['seq']
  end
  if seq and tonumber(seq) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""

# Coalesce a request: nothing to do if a recalculation is already queued (pending marker
# KEYS[1]); otherwise queue one, at once if none started within the interval (KEYS[2]), else
# delayed by what is left of it. Returns -1 (coalesced), 0 (now) or a delay in milliseconds.
_REQUEST_RECALCULATION = """
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then return -1 end
if tonumber(ARGV[2]) <= 0 then return 0 end
if redis.call('SET', KEYS[2], 1, 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('PTTL', KEYS[2])
if left < 0 then return 0 end
return left
"""


@dataclass(frozen=True, slots=True)
class ProgressComputation:
    """A computed result not stored yet, with the order number that guards its storage."""

    user_id: int
    course_id: str
    seq: int
    result: ProgressResult
    outline_version: int
    computed_at: datetime


def progress_recalculation_request(*, user_id: int, course_id: str) -> bool:
    """Queue RECALCULATE_COURSE unless one is already queued for this learner and course."""
    marker = progress_pending_key(user_id, course_id)
    interval_ms = settings.PROGRESS_RECALC_MIN_INTERVAL_MS
    delay_ms = 0
    try:
        delay_ms = redis_client().eval(
            _REQUEST_RECALCULATION, 2, marker, progress_recent_key(user_id, course_id),
            PENDING_TTL_SECONDS + interval_ms // 1000 + 1, interval_ms)
        if delay_ms < 0:
            return False  # coalesced into the queued recalculation, which has not started yet
    except redis.exceptions.RedisError:
        logger.warning("cache unavailable, queueing recalculation without coalescing")
    queued = task_dispatch(
        task_name=RECALCULATE_COURSE,
        kwargs={"user_id": user_id, "course_id": course_id},
        pending_key=f"{RECALCULATE_COURSE}:{user_id}:{course_id}",
        countdown=delay_ms / 1000 if delay_ms else None,
    )
    if not queued:
        _marker_clear(marker)
    return queued


def progress_recalculate(*, user_id: int, course_id: str) -> dict:
    """Recompute one learner's progress from MongoDB, store it and cache it; return it."""
    return progress_computation_save(computation=progress_compute(user_id=user_id,
                                                                  course_id=course_id))


def progress_compute(*, user_id: int, course_id: str) -> ProgressComputation:
    """Take an order number and compute progress from MongoDB, without storing it."""
    # One round trip: clear the pending marker first (an attempt stored from now on queues a new
    # recalculation), mark this one running, open the minimum interval, take the order number.
    running = progress_running_key(user_id, course_id)
    pipe = redis_client().pipeline(transaction=False)
    pipe.delete(progress_pending_key(user_id, course_id))
    pipe.set(running, 1, ex=RUNNING_TTL_SECONDS)
    if settings.PROGRESS_RECALC_MIN_INTERVAL_MS > 0:
        pipe.set(progress_recent_key(user_id, course_id), 1,
                 px=settings.PROGRESS_RECALC_MIN_INTERVAL_MS)
    pipe.incr(progress_seq_key(user_id, course_id))
    seq = pipe.execute()[-1]
    if seq == 1:
        seq = _seq_resume(user_id=user_id, course_id=course_id)
    try:
        outline = course_outline_get(course_id=course_id)
        attempts = attempt_summary_get_or_build(user_id=user_id, course_id=course_id)
        now = timezone.now()
        enrolled_at = enrollment_date_get(user_id=user_id, outline=outline)
        result = progress_calculate(outline, attempts, now=now, enrolled_at=enrolled_at)
    except Exception:
        _marker_clear(running)  # readers must not wait for a run that failed
        raise
    return ProgressComputation(user_id=user_id, course_id=course_id, seq=seq, result=result,
                               outline_version=outline.version, computed_at=now)


def _seq_resume(*, user_id: int, course_id: str) -> int:
    """Continue order numbers above the stored one when the Redis counter started afresh."""
    # A new counter is the first computation, or Redis lost its data (a restart without
    # persistence, a flush): the stored document's `seq` is then higher, and the guard would
    # refuse every computation until the counter caught up with it.
    doc = CourseProgress._get_collection().find_one(
        {"user_id": user_id, "course_id": object_id_parse(course_id, what="course_id")},
        {"seq": 1})
    stored = (doc or {}).get("seq") or 0
    return redis_client().incrby(progress_seq_key(user_id, course_id), stored) if stored else 1


def progress_computation_save(*, computation: ProgressComputation) -> dict:
    """Store and cache a computation unless a newer one is stored; return the payload or {}."""
    user_id, course_id = computation.user_id, computation.course_id
    try:
        stored = progress_store(user_id=user_id, course_id=course_id, result=computation.result,
                                seq=computation.seq, outline_version=computation.outline_version,
                                computed_at=computation.computed_at)
    except Exception:
        _marker_clear(progress_running_key(user_id, course_id))
        raise
    if stored is None:
        logger.info("progress user=%s course=%s seq=%s superseded by a newer computation",
                    user_id, course_id, computation.seq)
        _marker_clear(progress_running_key(user_id, course_id))
        return {}
    payload = progress_payload(stored)
    progress_cache_set(user_id=user_id, course_id=course_id, payload=payload, run_finished=True)
    if computation.result.is_complete and _first_completion(stored.get("completed_at"),
                                                            computation.computed_at):
        course_completion_record(user_id=user_id, course_id=course_id,
                                 completed_at=stored["completed_at"])
    return payload


def _first_completion(completed_at: datetime | None, computed_at: datetime) -> bool:
    """This computation set completed_at (MongoDB keeps milliseconds, hence the tolerance)."""
    if completed_at is None:
        return False
    if timezone.is_naive(completed_at):
        completed_at = timezone.make_aware(completed_at, UTC)
    return abs((completed_at - computed_at).total_seconds()) < 0.002


def progress_store(*, user_id: int, course_id: str, result: ProgressResult, seq: int,
                   outline_version: int, computed_at: datetime) -> dict | None:
    """Upsert the progress document unless a newer computation stored one; None if stale."""
    oid = object_id_parse(course_id, what="course_id")
    unlock_state = {
        "unlocked": {
            "sections": result.unlocked_sections,
            "lessons": result.unlocked_lessons,
            "items": result.unlocked_items,
        },
        "locked": [element.as_dict() for element in result.locked],
    }
    update: dict = {
        "$set": {
            "completion_percent": result.completion_percent,
            "completed_items": result.completed_items,
            "total_items": result.total_items,
            "marks_obtained": result.marks_obtained,
            "marks_total": result.marks_total,
            "unlock_state": json.dumps(unlock_state, separators=(",", ":")),
            "completed_item_ids": result.completed_item_ids,
            "next_item_id": result.next_item_id,
            "valid_until": result.valid_until,
            "computed_at": computed_at,
            "outline_version": outline_version,
            "seq": seq,
            "stale": False,
        },
        "$unset": {"unlocked": "", "locked": ""},  # the shape earlier releases stored
    }
    if result.is_complete:
        # The first time the course reached 100% is kept, whatever happens later.
        update["$min"] = {"completed_at": computed_at}
    try:
        # Only completed_at comes back (it may be older than this computation); the rest is
        # what was just written, so the large lists do not travel back.
        after = CourseProgress._get_collection().find_one_and_update(
            {"user_id": user_id, "course_id": oid, "seq": {"$lt": seq}},
            update,
            upsert=True,
            projection={"completed_at": 1},  # mongomock returns None when _id is excluded
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        # The filter missed because a newer `seq` is stored; the upsert then hit the unique index.
        return None
    stored = {**update["$set"], "user_id": user_id, "course_id": oid,
              "completed_at": (after or {}).get("completed_at")}
    del stored["unlock_state"]  # the caller gets the structures, not their text
    return {**stored, **unlock_state}


def progress_cache_set(*, user_id: int, course_id: str, payload: dict,
                       run_finished: bool = False) -> bool:
    """Cache a progress payload unless the cache already holds a newer one."""
    body = json.dumps({"seq": payload["seq"], **payload}, default=str)  # `seq` first, see the script
    keys = [progress_cache_key(user_id, course_id)]
    if run_finished:
        keys.append(progress_running_key(user_id, course_id))
    try:
        return bool(redis_client().eval(_CACHE_SET_IF_NEWER, len(keys), *keys,
                                        body, payload["seq"], settings.PROGRESS_CACHE_TTL))
    except redis.exceptions.RedisError as exc:
        logger.warning("progress cache write failed: %s", exc)
        return False


def progress_payload(doc: dict) -> dict:
    """The stored progress document as the API and the cache present it."""
    unlock_state = _unlock_state(doc)
    return {
        "course_id": str(doc["course_id"]),
        "user_id": doc["user_id"],
        "completion_percent": doc.get("completion_percent", 0.0),
        "completed_items": doc.get("completed_items", 0),
        "total_items": doc.get("total_items", 0),
        "marks_obtained": _number(doc.get("marks_obtained", 0)),
        "marks_total": _number(doc.get("marks_total", 0)),
        "unlocked": unlock_state["unlocked"],
        "locked": unlock_state["locked"],
        "completed_item_ids": doc.get("completed_item_ids") or [],
        "next_item_id": doc.get("next_item_id"),
        "completed_at": _iso(doc.get("completed_at")),
        "computed_at": _iso(doc.get("computed_at")),
        "valid_until": _iso(doc.get("valid_until")),
        "outline_version": doc.get("outline_version", 0),
        "stale": bool(doc.get("stale", False)),
        "seq": doc.get("seq", 0),
    }


def _unlock_state(doc: dict) -> dict:
    """What is open and what is locked (and why), from either stored shape."""
    # This release removes the separate fields on every write: if they are there, an older
    # process wrote last (e.g. during a rolling upgrade) and they are the current ones.
    if "unlocked" in doc or "locked" in doc or not doc.get("unlock_state"):
        return {"unlocked": doc.get("unlocked") or {"sections": [], "lessons": [], "items": []},
                "locked": doc.get("locked") or []}
    return json.loads(doc["unlock_state"])


def _number(value: float) -> float | int:
    """Show whole marks as integers (8, not 8.0)."""
    return int(value) if float(value).is_integer() else value


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def _marker_clear(key: str) -> None:
    try:
        redis_client().delete(key)
    except redis.exceptions.RedisError as exc:
        logger.warning("could not clear %s: %s", key, exc)


def progress_outline_changed(*, course_id: str) -> bool:
    """Mark every learner's progress in the course stale and queue their recalculation."""
    oid = object_id_parse(course_id, what="course_id")
    CourseProgress._get_collection().update_many({"course_id": oid}, {"$set": {"stale": True}})
    return progress_recalculate_all_request(course_id=course_id) is not None


def progress_recalculate_all_request(*, course_id: str) -> str | None:
    """Queue RECALCULATE_COURSE_ALL; return the task id, or None if parked for later."""
    task_id = str(uuid.uuid4())
    queued = task_dispatch(task_name=RECALCULATE_COURSE_ALL, kwargs={"course_id": course_id},
                           pending_key=f"{RECALCULATE_COURSE_ALL}:{course_id}", task_id=task_id)
    return task_id if queued else None


def progress_recalculate_all(*, course_id: str) -> int:
    """Drop cached progress of every enrolled learner and queue recalculations in batches."""
    user_ids = enrollment_user_ids(course_id=course_id)
    client = redis_client()
    for start in range(0, len(user_ids), RECALCULATE_BATCH_SIZE):
        batch = user_ids[start:start + RECALCULATE_BATCH_SIZE]
        # Readers fall back to the MongoDB document, which says `stale` until recalculated.
        client.delete(*[progress_cache_key(user_id, course_id) for user_id in batch])
        task_dispatch(task_name=RECALCULATE_COURSE_BATCH,
                      kwargs={"course_id": course_id, "user_ids": batch},
                      pending_key=f"{RECALCULATE_COURSE_BATCH}:{course_id}:{batch[0]}:{len(batch)}")
    logger.info("outline change: %d learner(s) of course %s queued in batches of %d",
                len(user_ids), course_id, RECALCULATE_BATCH_SIZE)
    return len(user_ids)


def progress_recalculate_batch(*, course_id: str, user_ids: list[int]) -> int:
    """Recalculate several learners of one course in one task."""
    for user_id in user_ids:
        progress_recalculate(user_id=user_id, course_id=course_id)
    return len(user_ids)
