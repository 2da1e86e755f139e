"""A learner's attempt history in a course: attempts and staff corrections, newest first, paged.

Attempts come from MongoDB a page at a time (index course_id, user_id, submitted_at desc);
corrections (override changes, resets) are few per learner and read whole, then placed among
the attempts by time: a correction follows every attempt submitted after it. Each correction's
place is one count on the index, so a page costs a handful of indexed reads at any offset.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from learning.correction_selectors import corrections_history_get
from learning.documents import ContentAttempt
from learning.outline import Outline
from learning.policy import AttemptPolicy, marks_revealed
from learning.selectors import object_id_parse


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of the merged history and the count of every entry it pages through."""

    count: int
    entries: list[dict]


def _attempt_query(*, course_id: ObjectId, user_id: int, content_id: str | None,
                   kind: str | None, since: datetime | None) -> dict:
    query: dict = {"course_id": course_id, "user_id": user_id}
    if content_id is not None:
        query["item_id"] = object_id_parse(content_id, what="content_id")
    if kind is not None:
        query["kind"] = kind
    if since is not None:
        query["submitted_at"] = {"$gte": since}
    return query


def _attempt_entry(doc: dict) -> dict:
    return {"type": "attempt", "id": str(doc["_id"]), "at": doc["submitted_at"],
            "content_id": str(doc["item_id"]), "kind": doc["kind"], "marks": doc.get("marks"),
            "raw_marks": doc.get("raw_marks"), "completed": bool(doc.get("completed")),
            "answers": doc.get("answers") or None, "late": bool(doc.get("late")),
            "penalty_percent": doc.get("penalty_percent") or 0.0,
            "by": doc.get("graded_by")}


def _corrections(*, outline: Outline, course_id: ObjectId, user_id: int,
                 content_id: str | None, kind: str | None, since: datetime | None) -> list[dict]:
    """Corrections that pass the filters: an override has its item's kind; a reset has none."""
    entries = corrections_history_get(course_id=course_id, user_id=user_id,
                                      content_id=content_id, since=since)
    for entry in entries:
        item = outline.item_index.get(entry["content_id"] or "")
        entry["kind"] = item.kind if item is not None else None
    if kind is not None:
        entries = [entry for entry in entries if entry["kind"] == kind]
    return entries


def attempt_history_get(*, outline: Outline, user_id: int, content_id: str | None = None,
                        kind: str | None = None, since: datetime | None = None,
                        limit: int = 50, offset: int = 0) -> HistoryPage:
    """A page of one learner's attempts and corrections in a course, newest first."""
    course_id = object_id_parse(outline.course_id, what="course_id")
    query = _attempt_query(course_id=course_id, user_id=user_id, content_id=content_id,
                           kind=kind, since=since)
    collection = ContentAttempt._get_collection()
    corrections = _corrections(outline=outline, course_id=course_id, user_id=user_id,
                               content_id=content_id, kind=kind, since=since)
    # Where each correction falls: after the attempts submitted later than it, and after the
    # corrections newer than it.
    placed = [(collection.count_documents({**query, "submitted_at": {
        **query.get("submitted_at", {}), "$gt": entry["at"]}}) + index, entry)
        for index, entry in enumerate(corrections)]
    in_page = {position: entry for position, entry in placed
               if offset <= position < offset + limit}
    before = sum(1 for position, _ in placed if position < offset)
    attempts_take = limit - len(in_page)
    attempts = iter(())
    if attempts_take > 0:
        cursor = (collection.find(query, {"followup_pending": 0})
                  .sort([("submitted_at", -1), ("_id", -1)])
                  .skip(offset - before).limit(attempts_take))
        attempts = (_attempt_entry(doc) for doc in cursor)
    count = collection.count_documents(query) + len(corrections)
    page = []
    for position in range(offset, min(offset + limit, count)):
        entry = in_page.get(position) or next(attempts, None)
        if entry is not None:
            page.append(entry)
    return HistoryPage(count=count, entries=page)


def history_marks_hide(*, outline: Outline, entries: list[dict], now: datetime) -> list[dict]:
    """The entries as a learner may see them: marks of items whose policy hides them now are
    null, with `marks_hidden` true (staff see every mark)."""
    default = AttemptPolicy().overridden(outline.attempt_policy)
    shown = []
    for entry in entries:
        item_id = entry.get("content_id")
        item = outline.item_index.get(item_id or "")
        policy = outline.policy_index.get(item_id or "", default)
        hidden = item_id is not None and not marks_revealed(
            policy, item.due_at if item is not None else None, now)
        entry = {**entry, "marks_hidden": hidden}
        if hidden:
            entry.update(marks=None, raw_marks=None, previous_marks=None)
        shown.append(entry)
    return shown
