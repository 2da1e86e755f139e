"""Reads of the analytics app: activity per day.

Aggregations use only what MongoDB and mongomock share (`$match`, `$group`, `$sort`): days are
grouped on the `day` string stored with each event, never with date operators.
"""
from __future__ import annotations

from datetime import date, timedelta

from analytics.documents import ActivityLog
from learning.selectors import object_id_parse


def _days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def _day_match(*, start: date, end: date, course_id: str | None) -> dict:
    match: dict = {"day": {"$gte": start.isoformat(), "$lte": end.isoformat()}}
    if course_id:
        match["course_id"] = object_id_parse(course_id, what="course_id")
    return match


def active_learners_daily(*, start: date, end: date, course_id: str | None = None) -> list[dict]:
    """Distinct learners with any activity on each day of the range (zeros included)."""
    rows = ActivityLog._get_collection().aggregate([
        {"$match": _day_match(start=start, end=end, course_id=course_id)},
        {"$group": {"_id": {"day": "$day", "user_id": "$user_id"}}},
        {"$group": {"_id": "$_id.day", "learners": {"$sum": 1}}},
    ])
    counts = {row["_id"]: row["learners"] for row in rows}
    return [{"day": day, "learners": counts.get(day, 0)} for day in _days(start, end)]


def attempts_daily(*, start: date, end: date, course_id: str | None = None) -> list[dict]:
    """Attempts submitted on each day of the range (zeros included)."""
    match = {**_day_match(start=start, end=end, course_id=course_id), "verb": "attempted"}
    rows = ActivityLog._get_collection().aggregate([
        {"$match": match},
        {"$group": {"_id": "$day", "attempts": {"$sum": 1}}},
    ])
    counts = {row["_id"]: row["attempts"] for row in rows}
    return [{"day": day, "attempts": counts.get(day, 0)} for day in _days(start, end)]
