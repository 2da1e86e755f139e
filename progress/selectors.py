"""Reads of the progress app: the cache, the stored documents, lock checks and staff views."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson
import redis.exceptions
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from config.redis import redis_client
from learning.documents import learner_course_key
from learning.outline import Outline
from learning.selectors import (
    attempt_facts_get,
    attempt_summary_get,
    course_outline_get,
    courses_brief_get,
    departed_user_ids,
    enrollment_date_get,
    enrollment_user_ids,
    enrollments_of_learner,
    object_id_parse,
    profiles_get_many,
)
from progress.calculation import progress_calculate
from progress.documents import CourseProgress
from progress.keys import progress_cache_key, progress_pending_key, progress_running_key
from progress.reasons import locked_render

logger = logging.getLogger(__name__)


def stored_payload_get(*, user_id: int, course_id: str) -> dict | None:
    """The progress document in MongoDB as the API presents it, if there is one."""
    oid = object_id_parse(course_id, what="course_id")
    doc = CourseProgress._get_collection().find_one({"_id": learner_course_key(user_id, oid)})
    if doc is None:
        return None
    return progress_payload(doc, outline=course_outline_get(course_id=oid))


def cache_read(*, user_id: int, course_id: str) -> tuple[dict | None, bool]:
    """Cached payload and pending flag in one round trip; (None, False) if Redis is down."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.get(progress_cache_key(user_id, course_id))
        pipe.exists(progress_pending_key(user_id, course_id), progress_running_key(user_id, course_id))
        raw, pending = pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("progress cache read failed: %s", exc)
        return None, False
    return (orjson.loads(raw) if raw else None), bool(pending)


def pending_get(*, user_id: int, course_id: str) -> bool:
    """A recalculation is queued or running for the learner (False if Redis is down)."""
    try:
        return bool(redis_client().exists(progress_pending_key(user_id, course_id),
                                          progress_running_key(user_id, course_id)))
    except redis.exceptions.RedisError:
        return False


def progress_payload(doc: dict, *, outline: Outline, unlock_state: dict | None = None,
                     results: dict | None = None) -> dict:
    """The stored progress document as the API and the cache present it, reasons worded from the
    outline; `unlock_state` and `results` spare decoding the document's texts when the caller
    holds them."""
    if unlock_state is None:
        unlock_state = orjson.loads(doc["unlock_state"])
    if results is None:
        results = orjson.loads(doc.get("results") or "{}")
    return {
        "course_id": str(doc["course_id"]),
        "user_id": doc["user_id"],
        "completion_percent": doc.get("completion_percent", 0.0),
        "completed_items": doc.get("completed_items", 0),
        "total_items": doc.get("total_items", 0),
        "marks_obtained": _number(doc.get("marks_obtained", 0)),
        "marks_total": _number(doc.get("marks_total", 0)),
        "marks_revealed": _number(doc.get("marks_revealed", 0)),
        "marks_hidden_items": doc.get("marks_hidden_items", 0),
        "unlocked": unlock_state["unlocked"],
        "locked": locked_render(unlock_state["locked"], outline),
        "completed_item_ids": doc.get("completed_item_ids") or [],
        "next_item_id": doc.get("next_item_id"),
        "completed_at": _iso(doc.get("completed_at")),
        "computed_at": _iso(doc.get("computed_at")),
        "valid_until": _iso(doc.get("valid_until")),
        "outline_version": doc.get("outline_version", 0),
        "stale": bool(doc.get("stale", False)),
        "seq": doc.get("seq", 0),
        "order": doc.get("order", ""),
        "items": results.get("items", []),
        "lessons": results.get("lessons", []),
        "sections": results.get("sections", []),
        "due_soon": results.get("due_soon", []),
        "grade_percent": doc.get("grade_percent"),
        "letter": doc.get("letter"),
        "passed": doc.get("passed"),
        "passed_at": _iso(doc.get("passed_at")),
    }


def payload_expired(payload: dict, *, now: datetime) -> bool:
    """A date rule flipped since this was computed (e.g. a lesson opened this morning)."""
    valid_until = payload.get("valid_until")
    return bool(valid_until) and parse_datetime(valid_until) <= now


def _number(value: float) -> float | int:
    """Show whole marks as integers (8, not 8.0)."""
    return int(value) if float(value).is_integer() else value


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.isoformat().replace("+00:00", "Z")


def item_lock_get(*, user_id: int, outline: Outline, item_id: str) -> dict | None:
    """Why the item is locked for the learner, or None if they may attempt it.

    The cache answers when it already shows the item open for this outline; otherwise the
    unlocks are computed from MongoDB (the attempt summary, then every attempt before refusing),
    so a learner who just finished the previous item is never refused because the worker has
    not caught up yet.
    """
    now = timezone.now()
    cached, _ = cache_read(user_id=user_id, course_id=outline.course_id)
    if (cached and cached.get("outline_version") == outline.version
            and not payload_expired(cached, now=now)
            and item_id in cached.get("unlocked", {}).get("items", ())):
        return None
    enrolled_at = enrollment_date_get(user_id=user_id, outline=outline)
    summary = attempt_summary_get(user_id=user_id, course_id=outline.course_id)
    if item_id in progress_calculate(
            outline, summary.facts, now=now, enrolled_at=enrolled_at).unlocked_items:
        return None
    # Refusals are rare: confirm with every attempt, in case the summary merge of one has not
    # landed yet (its request failed after storing it and the sweep has not run).
    result = progress_calculate(outline, attempt_facts_get(user_id=user_id, course_id=outline.course_id),
                                now=now, enrolled_at=enrolled_at)
    if item_id in result.unlocked_items:
        return None
    shown = locked_render([element.as_dict() for element in result.locked], outline)
    return next(element for element in shown if element["id"] == item_id)


PROGRESS_ORDERINGS = ("completion_percent", "marks_obtained", "computed_at", "completed_at", "user_id")


def progress_list(*, course_id: str, ordering: str, limit: int, offset: int) -> dict:
    """Every learner's progress in a course, sorted and paginated, with display names."""
    oid = object_id_parse(course_id, what="course_id")
    field = ordering.lstrip("-")
    direction = -1 if ordering.startswith("-") else 1
    collection = CourseProgress._get_collection()
    departed = list(departed_user_ids(course_id=oid))  # listed again when they return
    match = {"course_id": oid, **({"user_id": {"$nin": departed}} if departed else {})}
    count = collection.count_documents(match)
    cursor = (collection.find(match)
              .sort([(field, direction), ("user_id", 1)]).skip(offset).limit(limit))
    outline = course_outline_get(course_id=oid)
    rows = [progress_payload(doc, outline=outline) for doc in cursor]
    profiles = profiles_get_many(user_ids=[row["user_id"] for row in rows])
    for row in rows:
        row["display_name"] = profiles.get(row["user_id"], {}).get("display_name")
    return {"course_id": course_id, "count": count, "results": rows}


def progress_summary(*, course_id: str) -> dict:
    """Enrolled learners, mean completion, completed count and a 10-bucket distribution."""
    oid = object_id_parse(course_id, what="course_id")
    enrolled = len(enrollment_user_ids(course_id=course_id))
    # Group by exact percentage in MongoDB; bucket the (few) distinct values here.
    # Learners who left keep their progress document but are not counted until they return.
    departed = list(departed_user_ids(course_id=oid))
    match = {"course_id": oid, **({"user_id": {"$nin": departed}} if departed else {})}
    rows = CourseProgress._get_collection().aggregate([
        {"$match": match},
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


# What a learner's course list shows of each course's progress (not the unlock state or the
# per-item results, which are the large part of the document).
_TOTALS = {"user_id": 1, "course_id": 1, "completion_percent": 1, "completed_items": 1,
           "total_items": 1, "marks_obtained": 1, "marks_total": 1, "marks_revealed": 1,
           "marks_hidden_items": 1, "grade_percent": 1, "letter": 1, "passed": 1,
           "completed_at": 1, "computed_at": 1, "stale": 1}


def learner_courses_get(*, user_id: int, limit: int, offset: int) -> dict:
    """The courses a learner is enrolled in, newest enrollment first, each with its stored
    progress totals: four reads per page (enrollments, their count, courses, progress), however
    many courses it holds."""
    page = enrollments_of_learner(user_id=user_id, limit=limit, offset=offset)
    course_ids = [row["course_id"] for row in page["results"]]
    courses = courses_brief_get(course_ids=course_ids)
    stored = {doc["course_id"]: doc for doc in CourseProgress._get_collection().find(
        {"_id": {"$in": [learner_course_key(user_id, cid) for cid in course_ids]}}, _TOTALS)}
    results = []
    for row in page["results"]:
        course = courses.get(row["course_id"], {})
        results.append({"course_id": str(row["course_id"]), "title": course.get("title"),
                        "slug": course.get("slug"), "published": course.get("published"),
                        "enrolled_at": row["enrolled_at"],
                        "progress": stored.get(row["course_id"])})
    return {"count": page["count"], "results": results}
