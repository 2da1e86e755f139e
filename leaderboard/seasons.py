"""Seasons: staff-defined periods of a course with boards of their own (reads and writes)."""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from bson.errors import InvalidId
from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from config.exceptions import Conflict, InvalidInput, NotFound
from leaderboard.documents import LeaderboardSeason, LeaderboardSettings
from leaderboard.scoring import SEASON, Window
from learning.selectors import object_id_parse

# The latest end a season may have: years of retention before the calendar's end (9999).
SEASON_END_MAX = datetime(9000, 1, 1, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _shape(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "course_id": str(doc["course_id"]), "name": doc["name"],
            "start": _utc(doc["start"]), "end": _utc(doc["end"])}


def _window(doc: dict) -> Window:
    return Window(kind=SEASON, label=str(doc["_id"]), start=_utc(doc["start"]), end=_utc(doc["end"]))


def season_window(*, season_id: str, course_id: str | None = None) -> Window:
    """The board window of a season (of the course, when given); 404 if there is none."""
    try:
        query: dict = {"_id": ObjectId(season_id)}
    except (InvalidId, TypeError) as exc:
        raise InvalidInput("season must be a 24-character hex id", code="invalid_id") from exc
    if course_id is not None:
        query["course_id"] = object_id_parse(course_id, what="course_id")
    doc = LeaderboardSeason._get_collection().find_one(query)
    if doc is None:
        raise NotFound(f"Season {season_id} not found", code="season_not_found")
    return _window(doc)


def seasons_list(*, course_id: str) -> list[dict]:
    """The course's seasons, earliest first."""
    cursor = LeaderboardSeason._get_collection().find(
        {"course_id": object_id_parse(course_id, what="course_id")}).sort("start", 1)
    return [_shape(d) for d in cursor]


def season_windows_live(*, course_id: str, now: datetime | None = None,
                        late: timedelta = timedelta(days=1)) -> list[Window]:
    """Seasons an update writes: the one running now, and one that ended less than `late` ago."""
    now = now or timezone.now()
    cursor = LeaderboardSeason._get_collection().find(
        {"course_id": ObjectId(course_id), "start": {"$lte": now}, "end": {"$gt": now - late}})
    return [_window(d) for d in cursor]


def seasons_starting(*, course_id: str, now: datetime, within: timedelta) -> list[Window]:
    """Seasons of the course that start within `within` from now (beat pre-builds them)."""
    cursor = LeaderboardSeason._get_collection().find(
        {"course_id": ObjectId(course_id), "start": {"$gt": now, "$lte": now + within}})
    return [_window(d) for d in cursor]


def seasons_ended(*, course_id: str, since: datetime, until: datetime) -> list[Window]:
    """Seasons of the course that ended in [since, until)."""
    cursor = LeaderboardSeason._get_collection().find(
        {"course_id": ObjectId(course_id), "end": {"$gte": since, "$lt": until}})
    return [_window(d) for d in cursor]


def season_create(*, course_id: str, name: str, start: datetime, end: datetime, by: int) -> dict:
    """A new season of the course; 400 unless start < end, 409 `season_overlap` if it overlaps."""
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise InvalidInput("a season must end after it starts", code="invalid_season")
    if end > SEASON_END_MAX:
        # Its board is kept for a retention after it ends, which must stay inside the calendar.
        raise InvalidInput(f"a season must end by {SEASON_END_MAX.isoformat()}",
                           code="invalid_season")
    course = object_id_parse(course_id, what="course_id")
    with _seasons_locked(course):  # the overlap check and the insert, one writer at a time
        clash = LeaderboardSeason._get_collection().find_one(
            {"course_id": course, "start": {"$lt": end}, "end": {"$gt": start}})
        if clash:
            raise Conflict(f"overlaps season {clash['name']!r} ({_utc(clash['start']).isoformat()} "
                           f"– {_utc(clash['end']).isoformat()})", code="season_overlap")
        collection = LeaderboardSeason._get_collection()
        inserted = collection.insert_one(
            {"course_id": course, "name": name, "start": start, "end": end, "created_by": by,
             "created_at": timezone.now()}).inserted_id
        # The lock judges expiry by this host's clock and a holder may stall past it: an overlap
        # that got in anyway is found here, and this season withdrawn.
        other = collection.find_one({"course_id": course, "_id": {"$ne": inserted},
                                     "start": {"$lt": end}, "end": {"$gt": start}})
        if other:
            collection.delete_one({"_id": inserted})
            raise Conflict(f"overlaps season {other['name']!r}, created meanwhile",
                           code="season_overlap")
    return _shape(collection.find_one({"_id": inserted}))


# A season write holds its course's lock this long at most: one that died frees it by then.
_LOCK_SECONDS = 10
# How long a second writer waits for the lock before it is told to try again (409).
_LOCK_WAIT_SECONDS = 3


@contextmanager
def _seasons_locked(course: ObjectId) -> Iterator[None]:
    """One season write per course at a time, locked in MongoDB (the course's settings
    document: unique per course, so two writers cannot both create or take it)."""
    collection, token = LeaderboardSettings._get_collection(), uuid.uuid4().hex
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while True:
        now = timezone.now()
        try:
            collection.update_one(
                {"course_id": course,
                 "$or": [{"seasons_lock": None}, {"seasons_lock.until": {"$lt": now}}]},
                {"$set": {"seasons_lock": {"token": token,
                                           "until": now + timedelta(seconds=_LOCK_SECONDS)}}},
                upsert=True)
            break
        except DuplicateKeyError:  # held: the filter missed and the upsert met the course's doc
            if time.monotonic() > deadline:
                raise Conflict("Another season of this course is being saved; try again.",
                               code="season_busy") from None
            time.sleep(0.02)
    try:
        yield
    finally:
        collection.update_one({"course_id": course, "seasons_lock.token": token},
                              {"$unset": {"seasons_lock": ""}})
