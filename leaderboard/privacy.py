"""Learners' board visibility (public, anonymous, hidden) and staff hides: reads and writes."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from config.dispatch import DispatchBatch
from leaderboard.documents import ANONYMOUS, HIDDEN, PUBLIC, LeaderboardVisibility
from learning.selectors import enrolled_course_ids

ANONYMOUS_NAME = "Anonymous learner"


def _hidden_query() -> dict:
    return {"$or": [{"visibility": HIDDEN}, {"staff_hidden": True}]}


def visibility_get(*, user_id: int) -> dict:
    """A learner's visibility as they set it, and whether staff hid them (with why)."""
    doc = LeaderboardVisibility._get_collection().find_one({"user_id": user_id}) or {}
    return {"user_id": user_id, "visibility": doc.get("visibility", PUBLIC),
            "hidden_by_staff": bool(doc.get("staff_hidden")),
            "reason": doc.get("staff_reason"), "hidden_by": doc.get("staff_by"),
            "hidden_at": doc.get("staff_at")}


def learner_flags(*, user_id: int) -> tuple[bool, bool]:
    """(hidden, anonymous): whether the learner is kept off every board's pages (by themselves
    or by staff), and whether they are listed without name."""
    doc = LeaderboardVisibility._get_collection().find_one(
        {"user_id": user_id}, {"visibility": 1, "staff_hidden": 1}) or {}
    hidden = doc.get("visibility") == HIDDEN or bool(doc.get("staff_hidden"))
    return hidden, not hidden and doc.get("visibility") == ANONYMOUS


def hidden_user_ids() -> set[int]:
    """Every learner kept off the boards' pages (few: only those who asked, and those staff hid)."""
    return {d["user_id"] for d in LeaderboardVisibility._get_collection().find(
        _hidden_query(), {"user_id": 1})}


def anonymous_user_ids() -> set[int]:
    """Every learner listed as "Anonymous learner" (rebuilds mirror them into Redis)."""
    return {d["user_id"] for d in LeaderboardVisibility._get_collection().find(
        {"visibility": ANONYMOUS, "staff_hidden": {"$ne": True}}, {"user_id": 1})}


def staff_hidden_list(*, limit: int, offset: int) -> list[dict]:
    """Learners staff hid, newest first."""
    cursor = LeaderboardVisibility._get_collection().find({"staff_hidden": True}).sort(
        "staff_at", -1).skip(offset).limit(limit)
    return [visibility_get(user_id=d["user_id"]) for d in cursor]


_DEFAULTS = {"visibility": PUBLIC, "staff_hidden": False}


def _change(user_id: int, changes: dict) -> dict:
    """Store a change flagged, queue the learner's board updates in every course they are in
    (the outbox keeps them if the broker is down), then clear the flag."""
    now = timezone.now()
    LeaderboardVisibility._get_collection().update_one(
        {"user_id": user_id},
        {"$set": {**changes, "updated_at": now, "followup_pending": True},
         "$setOnInsert": {k: v for k, v in _DEFAULTS.items() if k not in changes}},
        upsert=True)
    visibility_followup(user_id=user_id)
    return visibility_get(user_id=user_id)


def visibility_followup(*, user_id: int) -> None:
    """Queue UPDATE_LEADERBOARD for the learner in each course they are enrolled in."""
    from leaderboard.services import leaderboard_update_queue  # services import this module

    batch = DispatchBatch()
    for course_id in sorted(enrolled_course_ids(user_id=user_id)):
        leaderboard_update_queue(batch=batch, course_id=course_id, user_id=user_id)
    batch.send()  # a refused publish waits in the outbox: the flag can go either way
    LeaderboardVisibility._get_collection().update_one(
        {"user_id": user_id}, {"$unset": {"followup_pending": ""}})


def visibility_set(*, user_id: int, visibility: str) -> dict:
    """Set how the learner shows on every board."""
    return _change(user_id, {"visibility": visibility})


def learner_hide(*, user_id: int, reason: str, by: int) -> dict:
    """Staff hide a learner from every board at once (e.g. a cheater), saying why."""
    return _change(user_id, {"staff_hidden": True, "staff_reason": reason, "staff_by": by,
                             "staff_at": timezone.now()})


def learner_unhide(*, user_id: int, by: int) -> dict:
    """Staff lift their hide; the learner's own choice applies again."""
    return _change(user_id, {"staff_hidden": False, "staff_reason": None, "staff_by": by,
                             "staff_at": None})


def visibility_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Queue the board updates of changes whose request died before queueing them."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    repaired = 0
    for doc in LeaderboardVisibility._get_collection().find(
            {"followup_pending": True, "updated_at": {"$lt": cutoff}}, {"user_id": 1}).limit(limit):
        visibility_followup(user_id=doc["user_id"])
        repaired += 1
    return repaired
