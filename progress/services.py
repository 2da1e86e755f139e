"""Writes of the progress app: recalculation, its storage and cache, and queueing requests.

Ordering: a computation's `order` is (summary version, outline version, time), read from
MongoDB before it computes. The stored document and the cache are only ever replaced by a higher
order, so an older computation never overwrites a newer one, and losing Redis loses nothing but
cached copies.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson
import redis.exceptions
from django.conf import settings
from django.utils import timezone
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from config.coalescing import Claim, claims_release, claims_take
from config.dispatch import DispatchBatch, task_dispatch
from config.redis import redis_client, script_run
from config.task_names import RECALCULATE_COURSE, RECALCULATE_COURSE_ALL, RECALCULATE_COURSE_BATCH
from learning.documents import learner_course_key
from learning.outline import Outline
from learning.selectors import (
    SummaryRead,
    attempt_summary_get,
    course_outline_get,
    enrollment_date_get,
    enrollment_user_ids,
    object_id_parse,
)
from progress.calculation import ProgressResult, progress_calculate
from progress.documents import CourseProgress
from progress.keys import (
    PENDING_TTL_SECONDS,
    RUNNING_TTL_SECONDS,
    progress_cache_key,
    progress_pending_key,
    progress_recent_key,
    progress_running_key,
)
from progress.results import ItemActivity
from progress.selectors import (
    cache_read,
    payload_expired,
    pending_get,
    progress_payload,
    stored_payload_get,
)
from progress.signals import course_completed, course_passed

logger = logging.getLogger(__name__)

RECALCULATE_BATCH_SIZE = 100

# Write the cache only if it holds nothing newer (compares the computations' `order` strings,
# which sort like the orders themselves), and clear the "running" marker (KEYS[2]) in the same
# round trip. The cached JSON starts with its `order`, so the check reads a few bytes.
_CACHE_SET_IF_NEWER = """
if KEYS[2] then redis.call('DEL', KEYS[2]) end
local current = redis.call('GET', KEYS[1])
if current then
  local order = string.match(current, '^{"order":%s*"([^"]*)"')
  if order and order >= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""

# Coalesce a request: nothing to do if a recalculation is already queued (pending marker
# KEYS[1]); otherwise queue one, at once if none started within the interval (KEYS[2]), else
# delayed by what is left of it. Returns -1 (coalesced), 0 (now) or a delay in milliseconds.
def computation_order(*, version: int, outline_version: int, computed_at: datetime) -> str:
    """The order of a computation as a string that sorts like (version, outline, time)."""
    return f"{version:012d}.{outline_version:09d}.{int(computed_at.timestamp() * 1000):014d}"


@dataclass(frozen=True, slots=True)
class ProgressComputation:
    """A computed result not stored yet, with what orders it against other computations."""

    user_id: int
    course_id: str
    version: int
    outline: Outline
    result: ProgressResult
    computed_at: datetime

    @property
    def order(self) -> str:
        return computation_order(version=self.version, outline_version=self.outline.version,
                                 computed_at=self.computed_at)


def activity_of(summary: SummaryRead) -> dict[str, ItemActivity]:
    """Attempts, last attempt, lateness and overrides per item, as the calculation takes them."""
    items = (summary.attempt_counts.keys() | summary.last_attempt_at.keys() | summary.late_items
             | summary.overrides.keys())
    return {item_id: ItemActivity(attempts=summary.attempt_counts.get(item_id, 0),
                                  last_attempt_at=summary.last_attempt_at.get(item_id),
                                  late=item_id in summary.late_items,
                                  overridden=item_id in summary.overrides) for item_id in items}


def progress_recalculation_claim(*, user_id: int, course_id: str) -> Claim:
    """The coalescing claim of one learner's recalculation (its marker shows as `pending`)."""
    interval_ms = settings.PROGRESS_RECALC_MIN_INTERVAL_MS
    return Claim(marker=progress_pending_key(user_id, course_id),
                 ttl_seconds=PENDING_TTL_SECONDS + interval_ms // 1000 + 1,
                 recent_key=progress_recent_key(user_id, course_id), min_interval_ms=interval_ms)


def progress_recalculation_queue(*, batch: DispatchBatch, user_id: int, course_id: str,
                                 delay_ms: int) -> None:
    """Add a claimed recalculation to a batch of derived work."""
    batch.add(task_name=RECALCULATE_COURSE, kwargs={"user_id": user_id, "course_id": course_id},
              key=f"{RECALCULATE_COURSE}:{user_id}:{course_id}",
              countdown=delay_ms / 1000 if delay_ms else None)


def progress_recalculation_request(*, user_id: int, course_id: str) -> bool:
    """Queue RECALCULATE_COURSE unless one is already queued for this learner and course."""
    claim = progress_recalculation_claim(user_id=user_id, course_id=course_id)
    [delay_ms] = claims_take([claim])
    if delay_ms is None:
        return False  # coalesced into the queued recalculation, which has not started yet
    batch = DispatchBatch()
    progress_recalculation_queue(batch=batch, user_id=user_id, course_id=course_id,
                                 delay_ms=delay_ms)
    queued = batch.send()
    if not queued:
        claims_release([claim])
    return queued


def progress_recalculate(*, user_id: int, course_id: str) -> dict:
    """Recompute one learner's progress from MongoDB, store it and cache it; return it."""
    return progress_computation_save(computation=progress_compute(user_id=user_id,
                                                                  course_id=course_id))


def progress_compute(*, user_id: int, course_id: str) -> ProgressComputation:
    """Compute progress from MongoDB, without storing it."""
    # One round trip: clear the pending marker first (an attempt stored from now on queues a new
    # recalculation), mark this one running, open the minimum interval. Redis being down only
    # costs coalescing: the computation is ordered by what it reads from MongoDB.
    running = progress_running_key(user_id, course_id)
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.delete(progress_pending_key(user_id, course_id))
        pipe.set(running, 1, ex=RUNNING_TTL_SECONDS)
        if settings.PROGRESS_RECALC_MIN_INTERVAL_MS > 0:
            pipe.set(progress_recent_key(user_id, course_id), 1,
                     px=settings.PROGRESS_RECALC_MIN_INTERVAL_MS)
        pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("progress markers not set: %s", exc)
    try:
        # The summary before the outline: a summary version read here covers every attempt
        # merged before it, and the outline read after it is at least as new.
        summary = attempt_summary_get(user_id=user_id, course_id=course_id)
        outline = course_outline_get(course_id=course_id)
        now = timezone.now()
        enrolled_at = enrollment_date_get(user_id=user_id, outline=outline)
        result = progress_calculate(outline, summary.facts, now=now, enrolled_at=enrolled_at,
                                    activity=activity_of(summary))
    except Exception:
        _marker_clear(running)  # readers must not wait for a run that failed
        raise
    return ProgressComputation(user_id=user_id, course_id=course_id, version=summary.version,
                               outline=outline, result=result, computed_at=now)


def progress_computation_save(*, computation: ProgressComputation) -> dict:
    """Store and cache a computation unless a newer one is stored; return the payload or {}."""
    user_id, course_id = computation.user_id, computation.course_id
    unlock_state, results = unlock_state_of(computation.result), results_of(computation.result)
    try:
        stored = progress_store(user_id=user_id, course_id=course_id, result=computation.result,
                                version=computation.version,
                                outline_version=computation.outline.version,
                                computed_at=computation.computed_at, unlock_state=unlock_state,
                                results=results)
    except Exception:
        _marker_clear(progress_running_key(user_id, course_id))
        raise
    if stored is None:
        logger.info("progress user=%s course=%s order=%s superseded by a newer computation",
                    user_id, course_id, computation.order)
        _marker_clear(progress_running_key(user_id, course_id))
        return {}
    payload = progress_payload(stored, outline=computation.outline, unlock_state=unlock_state,
                               results=results)
    progress_cache_set(user_id=user_id, course_id=course_id, payload=payload, run_finished=True)
    if stored.get("completed_at") is not None and not stored.get("completion_announced"):
        progress_completion_announce(user_id=user_id, course_id=course_id,
                                     completed_at=stored["completed_at"])
    if stored.get("passed_at") is not None and not stored.get("pass_announced"):
        progress_pass_announce(user_id=user_id, course_id=course_id, passed_at=stored["passed_at"],
                               grade_percent=stored.get("grade_percent"))
    return payload


def progress_store(*, user_id: int, course_id: str, result: ProgressResult, version: int,
                   outline_version: int, computed_at: datetime,
                   unlock_state: dict | None = None, results: dict | None = None) -> dict | None:
    """Upsert the progress document unless a computation of a higher order stored one; return
    what was stored, or None if stale. `unlock_state`: the result's, when the caller has it."""
    oid = object_id_parse(course_id, what="course_id")
    unlock_state = unlock_state or unlock_state_of(result)
    results = results or results_of(result)
    grade = result.results.grade
    order = computation_order(version=version, outline_version=outline_version,
                              computed_at=computed_at)
    update: dict = {
        "$set": {
            "user_id": user_id,
            "course_id": oid,
            "completion_percent": result.completion_percent,
            "completed_items": result.completed_items,
            "total_items": result.total_items,
            "marks_obtained": result.marks_obtained,
            "marks_total": result.marks_total,
            "marks_revealed": result.marks_revealed,
            "marks_hidden_items": result.marks_hidden_items,
            "results": orjson.dumps(results).decode(),
            "grade_percent": grade.percent if grade else None,
            "letter": grade.letter if grade else None,
            "passed": grade.passed if grade else None,
            "unlock_state": orjson.dumps(unlock_state).decode(),
            "completed_item_ids": result.completed_item_ids,
            "next_item_id": result.next_item_id,
            "valid_until": result.valid_until,
            "computed_at": computed_at,
            "outline_version": outline_version,
            "seq": version,
            "order": order,
            "stale": False,
        },
    }
    # The first time the course reached 100% (and its grade passed) is kept, whatever happens.
    firsts = {}
    if result.is_complete:
        firsts["completed_at"] = computed_at
    if grade is not None and grade.passed:
        firsts["passed_at"] = computed_at
    if firsts:
        update["$min"] = firsts
    try:
        # Only the completion fields come back (completed_at may be older than this
        # computation); the rest is what was just written, so the large lists stay put.
        after = CourseProgress._get_collection().find_one_and_update(
            {"_id": learner_course_key(user_id, oid), "order": {"$lt": order}},
            update,
            upsert=True,
            projection={"completed_at": 1, "passed_at": 1, "completion_announced": 1,
                        "pass_announced": 1},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        # The filter missed because a higher order is stored; the upsert then hit the _id.
        return None
    after = after or {}
    return {**update["$set"], "completed_at": after.get("completed_at"),
            "passed_at": after.get("passed_at"),
            "completion_announced": after.get("completion_announced", False),
            "pass_announced": after.get("pass_announced", False)}


def unlock_state_of(result: ProgressResult) -> dict:
    """What is open, and what is locked with the conditions it fails (facts, no text)."""
    return {
        "unlocked": {"sections": result.unlocked_sections, "lessons": result.unlocked_lessons,
                     "items": result.unlocked_items},
        "locked": [element.as_dict() for element in result.locked],
    }


def results_of(result: ProgressResult) -> dict:
    """Per item, lesson and section, and what is due soon: stored as one text, read whole."""
    found = result.results
    return {"items": found.items, "lessons": found.lessons, "sections": found.sections,
            "due_soon": found.due_soon}


def progress_cache_set(*, user_id: int, course_id: str, payload: dict,
                       run_finished: bool = False) -> bool:
    """Cache a progress payload unless the cache already holds a newer one."""
    # `order` first (the script reads it); orjson: the payload is large and written on every run.
    body = orjson.dumps({"order": payload["order"], **payload}, default=str)
    keys = [progress_cache_key(user_id, course_id)]
    if run_finished:
        keys.append(progress_running_key(user_id, course_id))
    try:
        return bool(script_run(_CACHE_SET_IF_NEWER, keys,
                               [body, payload["order"], settings.PROGRESS_CACHE_TTL]))
    except redis.exceptions.RedisError as exc:
        logger.warning("progress cache write failed: %s", exc)
        return False


def _marker_clear(key: str) -> None:
    try:
        redis_client().delete(key)
    except redis.exceptions.RedisError as exc:
        logger.warning("could not clear %s: %s", key, exc)


# --- Completion -----------------------------------------------------------------------------------

def progress_completion_announce(*, user_id: int, course_id: str, completed_at: datetime) -> None:
    """Tell the receivers (flows) the learner completed the course, then note it was told.

    The note comes after the receivers durably queued what follows, so a crash in between only
    makes the next recalculation (or the sweep) announce it again; receivers key their effects
    by learner and course, so a repeat changes nothing.
    """
    course_completed.send(sender=CourseProgress, user_id=user_id, course_id=course_id,
                          completed_at=completed_at)
    oid = object_id_parse(course_id, what="course_id")
    CourseProgress._get_collection().update_one({"_id": learner_course_key(user_id, oid)},
                                                {"$set": {"completion_announced": True}})


def progress_pass_announce(*, user_id: int, course_id: str, passed_at: datetime,
                           grade_percent: float | None) -> None:
    """Tell the receivers the learner's grade first passed, then note it was told (as for
    completions: a crash in between only repeats the announcement)."""
    course_passed.send(sender=CourseProgress, user_id=user_id, course_id=course_id,
                       passed_at=passed_at, grade_percent=grade_percent)
    oid = object_id_parse(course_id, what="course_id")
    CourseProgress._get_collection().update_one({"_id": learner_course_key(user_id, oid)},
                                                {"$set": {"pass_announced": True}})


def progress_passes_unannounced(*, older_than: datetime,
                                limit: int) -> list[tuple[int, str, datetime, float | None]]:
    """(user_id, course_id, passed_at, grade_percent) of passes stored but not yet announced."""
    cursor = CourseProgress._get_collection().find(
        {"passed_at": {"$ne": None}, "pass_announced": {"$ne": True},
         "computed_at": {"$lt": older_than}},
        {"user_id": 1, "course_id": 1, "passed_at": 1, "grade_percent": 1}).limit(limit)
    return [(doc["user_id"], str(doc["course_id"]), doc["passed_at"], doc.get("grade_percent"))
            for doc in cursor]


def progress_completions_unannounced(*, older_than: datetime, limit: int) -> list[tuple[int, str, datetime]]:
    """(user_id, course_id, completed_at) of completions stored but not yet announced."""
    cursor = CourseProgress._get_collection().find(
        {"completed_at": {"$ne": None}, "completion_announced": {"$ne": True},
         "computed_at": {"$lt": older_than}},
        {"user_id": 1, "course_id": 1, "completed_at": 1}).limit(limit)
    return [(doc["user_id"], str(doc["course_id"]), doc["completed_at"]) for doc in cursor]


# --- Outline changes ------------------------------------------------------------------------------

def progress_outline_changed(*, course_id: str) -> bool:
    """Mark every learner's progress in the course stale and queue their recalculation."""
    oid = object_id_parse(course_id, what="course_id")
    CourseProgress._get_collection().update_many({"course_id": oid}, {"$set": {"stale": True}})
    return progress_recalculate_all_request(course_id=course_id) is not None


def progress_recalculate_all_request(*, course_id: str) -> str | None:
    """Queue RECALCULATE_COURSE_ALL; return the task id, or None if parked for later."""
    task_id = str(uuid.uuid4())
    queued = task_dispatch(task_name=RECALCULATE_COURSE_ALL, kwargs={"course_id": course_id},
                           key=f"{RECALCULATE_COURSE_ALL}:{course_id}", task_id=task_id)
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
                      key=f"{RECALCULATE_COURSE_BATCH}:{course_id}:{batch[0]}:{len(batch)}")
    logger.info("outline change: %d learner(s) of course %s queued in batches of %d",
                len(user_ids), course_id, RECALCULATE_BATCH_SIZE)
    return len(user_ids)


def progress_recalculate_batch(*, course_id: str, user_ids: list[int]) -> int:
    """Recalculate several learners of one course in one task."""
    for user_id in user_ids:
        progress_recalculate(user_id=user_id, course_id=course_id)
    return len(user_ids)


# --- Reads that repair ------------------------------------------------------------------------------

def progress_get_or_recalculate(*, user_id: int, course_id: str, fresh: bool = False) -> dict:
    """One learner's progress with `pending`: from the cache, else from MongoDB (re-cached), else
    computed now; `fresh` computes it now whatever is stored."""
    if fresh:
        payload = progress_recalculate(user_id=user_id, course_id=course_id)
        if payload:
            return {**payload, "pending": pending_get(user_id=user_id, course_id=course_id)}
    cached, pending = cache_read(user_id=user_id, course_id=course_id)
    if cached is not None and not payload_expired(cached, now=timezone.now()):
        return {**cached, "pending": pending}
    stored = stored_payload_get(user_id=user_id, course_id=course_id)
    if stored is not None and not payload_expired(stored, now=timezone.now()):
        payload = stored
        progress_cache_set(user_id=user_id, course_id=course_id, payload=payload)
    else:
        # {} when a concurrent, newer computation stored first: read what it stored.
        payload = (progress_recalculate(user_id=user_id, course_id=course_id)
                   or stored_payload_get(user_id=user_id, course_id=course_id))
    return {**payload, "pending": pending}
