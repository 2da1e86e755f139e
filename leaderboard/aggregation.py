"""Scores from MongoDB, the source of truth: best marks per item, summed, with when they were reached.

Marks staff set for an item (an override in force) replace the attempts' best for it, from the
moment they were set; learners with overrides are summed here from per-item rows, the others
in MongoDB as before.
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from django.utils import timezone

from leaderboard.scoring import Window, cents_from_points
from learning.correction_selectors import overrides_in_force
from learning.documents import ContentAttempt
from learning.policy import marks_revealed
from learning.selectors import course_outline_get, departed_user_ids, object_id_parse

Score = tuple[int, datetime]  # (cents, reached_at)
Overrides = dict[int, dict[str, tuple[float, datetime]]]  # user -> item -> (marks, set at)


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
    """Per learner: points gained inside the window and when the last gain happened."""
    return [*_item_stages(window), *_learner_stages(window)]


def _item_stages(window: Window) -> list[dict]:
    """Per learner and item: the gain inside the window, when it happened, the first attempt.

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
    if window.start is None:
        return [*best_per_item,
                {"$addFields": {"gain": "$best",
                                "gain_at": {"$cond": [{"$gt": ["$best", 0]}, "$best_at", None]}}}]
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
    ]


def _learner_stages(window: Window) -> list[dict]:
    """Per learner: the items' gains summed, the last gain, the first attempt (window members)."""
    per_learner = {"$group": {
        "_id": "$_id.u",
        "points": {"$sum": "$gain"},
        "reached": {"$max": "$gain_at"},
        "first": {"$min": "$first"},
    }}
    if window.start is None:
        return [per_learner]
    return [per_learner, {"$match": {"first": {"$ne": None}}}]


def _overrides_of(course_id: str, match: dict, user_ids: list[int] | None) -> Overrides:
    """Overrides in force on items whose marks count now (as `match` lists them), of real
    learners (an erasure leaves anonymous, negative ids, which never rank)."""
    counted = {str(item_id) for item_id in match["item_id"]["$in"]}
    found: Overrides = {}
    for override in overrides_in_force(course_id=course_id, user_ids=user_ids):
        if override.user_id > 0 and override.item_id in counted:
            found.setdefault(override.user_id, {})[override.item_id] = (override.marks,
                                                                        override.changed_at)
    return found


def _overridden_item(row: dict | None, marks: float, at: datetime, window: Window) -> dict | None:
    """An item's figures on one board once staff set its marks to `marks` at `at`: the marks
    count from that moment on, in place of the attempts' best (a gain never goes below 0)."""
    if window.start is None:
        first = at if row is None or row["first"] is None else min(row["first"], at)
        return {"gain": marks, "gain_at": at if marks > 0 else None, "first": first}
    if at >= window.end:
        return row  # set after this window: the attempts made in it stand
    before = (row or {}).get("before") or 0.0
    gain = max(marks - (marks if at < window.start else before), 0.0)
    return {"gain": gain, "gain_at": at if gain > 0 else None, "first": (row or {}).get("first")}


def _overridden_scores(item_rows, overrides: Overrides, window: Window) -> dict[int, Score]:
    """Per learner with overrides: their per-item rows, overridden items replaced, summed like
    the learner stages do in MongoDB."""
    per_user: dict[int, dict[str, dict | None]] = {user_id: {} for user_id in overrides}
    for row in item_rows:
        per_user.setdefault(row["_id"]["u"], {})[str(row["_id"]["i"])] = row
    scores: dict[int, Score] = {}
    for user_id, items in per_user.items():
        for item_id, (marks, at) in overrides.get(user_id, {}).items():
            items[item_id] = _overridden_item(items.get(item_id), marks, at, window)
        rows = [row for row in items.values() if row is not None]
        first = min((row["first"] for row in rows if row["first"] is not None), default=None)
        if first is None:
            continue  # no graded attempt inside the window: not on its board
        scores[user_id] = _row_score({
            "points": sum(row["gain"] for row in rows),
            "reached": max((row["gain_at"] for row in rows if row["gain_at"] is not None),
                           default=None),
            "first": first})
    return scores


def _row_score(row: dict) -> Score:
    # Reached = the attempt that last raised the sum; with no gain at all, the first attempt.
    reached = row["reached"] or row["first"]
    return cents_from_points(row["points"]), reached


def scores_aggregate(*, course_id: str, window: Window, user_ids: list[int] | None = None
                     ) -> dict[int, Score]:
    """(cents, reached_at) per learner on one board, from one aggregation over attempts (two
    when some learners have overrides: theirs per item, summed here)."""
    match = _base_match(course_id, user_ids)
    overrides = _overrides_of(course_id, match, user_ids)
    collection = ContentAttempt._get_collection()
    plain = match
    if overrides:
        others = ({"$nin": list(overrides)} if user_ids is None
                  else {"$in": [u for u in user_ids if u not in overrides]})
        plain = {**match, "user_id": others}
    pipeline = [{"$match": plain}, *_window_stages(window)]
    scores = {row["_id"]: _row_score(row)
              for row in collection.aggregate(pipeline, allowDiskUse=True)}
    if overrides:
        corrected = {**match, "user_id": {"$in": list(overrides)}}
        rows = collection.aggregate([{"$match": corrected}, *_item_stages(window)], allowDiskUse=True)
        scores.update(_overridden_scores(rows, overrides, window))
    # Learners who left the course are off its boards until they come back.
    for user_id in departed_user_ids(course_id=course_id, user_ids=user_ids):
        scores.pop(user_id, None)
    return scores


def learner_scores_aggregate(*, course_id: str, user_id: int, windows: list[Window]
                             ) -> dict[str, Score | None]:
    """One learner's (cents, reached_at) on several boards in one aggregation ($facet); none
    while they have left the course (read after the caller's stamp, so a computation that saw
    them enrolled is ordered before the update their leaving queued)."""
    if departed_user_ids(course_id=course_id, user_ids=[user_id]):
        return {window.name: None for window in windows}
    match = _base_match(course_id, [user_id])
    overrides = _overrides_of(course_id, match, [user_id])
    stages = _item_stages if overrides else _window_stages
    facets = {f"w{index}": stages(window) for index, window in enumerate(windows)}
    pipeline = [{"$match": match}, {"$facet": facets}]
    result = next(iter(ContentAttempt._get_collection().aggregate(pipeline)), {})
    scores: dict[str, Score | None] = {}
    for index, window in enumerate(windows):
        rows = result.get(f"w{index}", [])
        if overrides:
            scores[window.name] = _overridden_scores(rows, overrides, window).get(user_id)
        else:
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
