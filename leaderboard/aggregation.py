"""Scores from MongoDB, the source of truth: best marks per item, summed, with when they were reached."""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from django.utils import timezone

from leaderboard.scoring import Window, cents_from_points
from learning.documents import ContentAttempt
from learning.policy import marks_revealed
from learning.selectors import course_outline_get, object_id_parse

Score = tuple[int, datetime]  # (cents, reached_at)


def _base_match(course_id: str, user_ids: list[int] | None) -> dict:
    outline, now = course_outline_get(course_id=course_id), timezone.now()
    # Marks an attempt policy hides from learners do not count until they are shown.
    shown = [ObjectId(item.id) for item in outline.items()
             if marks_revealed(outline.policy_index[item.id], item.due_at, now)]
    match: dict = {
        "course_id": object_id_parse(course_id, what="course_id"),
        "item_id": {"$in": shown},
        "marks": {"$ne": None},
    }
    if user_ids is not None:
        match["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
    return match


def _window_stages(window: Window) -> list[dict]:
    """Per learner: points gained inside the window and when the last gain happened.

    Per item the best marks (earliest attempt that got them) minus the best before the window
    start; a learner belongs to the window's board once they submitted a graded attempt in it.
    The all-time window has no "before", so it skips those stages (mongomock pays per stage).
    """
    best_per_item = [
        {"$sort": {"marks": -1, "submitted_at": 1}},
        {"$group": {
            "_id": {"u": "$user_id", "i": "$item_id"},
            "best": {"$first": "$marks"},
            "best_at": {"$first": "$submitted_at"},
            **({"before": {"$max": "$_before"}, "first": {"$min": "$_inside"}} if window.start
               else {"first": {"$min": "$submitted_at"}}),
        }},
    ]
    per_learner = {"$group": {
        "_id": "$_id.u",
        "points": {"$sum": "$gain"},
        "reached": {"$max": "$gain_at"},
        "first": {"$min": "$first"},
    }}
    if window.start is None:
        return [*best_per_item,
                {"$addFields": {"gain": "$best",
                                "gain_at": {"$cond": [{"$gt": ["$best", 0]}, "$best_at", None]}}},
                per_learner]
    before = {"$ifNull": ["$before", 0]}
    return [
        {"$match": {"submitted_at": {"$lt": window.end}}},
        {"$addFields": {
            "_before": {"$cond": [{"$lt": ["$submitted_at", window.start]}, "$marks", None]},
            "_inside": {"$cond": [{"$gte": ["$submitted_at", window.start]}, "$submitted_at", None]},
        }},
        *best_per_item,
        {"$addFields": {"gain": {"$subtract": ["$best", before]},
                        "gain_at": {"$cond": [{"$gt": ["$best", before]}, "$best_at", None]}}},
        per_learner,
        {"$match": {"first": {"$ne": None}}},
    ]


def _row_score(row: dict) -> Score:
    # Reached = the attempt that last raised the sum; with no gain at all, the first attempt.
    reached = row["reached"] or row["first"]
    return cents_from_points(row["points"]), reached


def scores_aggregate(*, course_id: str, window: Window, user_ids: list[int] | None = None
                     ) -> dict[int, Score]:
    """(cents, reached_at) per learner on one board, from one aggregation over attempts."""
    pipeline = [{"$match": _base_match(course_id, user_ids)}, *_window_stages(window)]
    rows = ContentAttempt._get_collection().aggregate(pipeline, allowDiskUse=True)
    return {row["_id"]: _row_score(row) for row in rows}


def learner_scores_aggregate(*, course_id: str, user_id: int, windows: list[Window]
                             ) -> dict[str, Score | None]:
    """One learner's (cents, reached_at) on several boards in one aggregation ($facet)."""
    facets = {f"w{index}": _window_stages(window) for index, window in enumerate(windows)}
    pipeline = [{"$match": _base_match(course_id, [user_id])}, {"$facet": facets}]
    result = next(iter(ContentAttempt._get_collection().aggregate(pipeline)), {})
    scores: dict[str, Score | None] = {}
    for index, window in enumerate(windows):
        rows = result.get(f"w{index}", [])
        scores[window.name] = _row_score(rows[0]) if rows else None
    return scores


def recent_learner_ids(*, course_id: str, limit: int) -> list[int]:
    """Learners with the most recent graded attempts (drift checks look at them first)."""
    cursor = ContentAttempt._get_collection().find(
        {"course_id": object_id_parse(course_id, what="course_id"), "marks": {"$ne": None}},
        {"user_id": 1, "_id": 0},
    ).sort("submitted_at", -1).limit(limit * 4)
    seen: dict[int, None] = {}
    for doc in cursor:
        seen.setdefault(doc["user_id"], None)
        if len(seen) >= limit:
            break
    return list(seen)
