"""Writes of leaderboard groups: create, rename, delete, add and remove members.

A membership change is stored flagged, then the group's live boards (all-time, this week) are
queued for a rebuild (outbox), then the flag goes; the sweep finishes what a dead request left
flagged. The rebuild's floor orders it after every update that read the old membership.
"""
from __future__ import annotations

from datetime import timedelta

from bson import ObjectId
from django.conf import settings
from django.utils import timezone
from pymongo.errors import BulkWriteError

from config.exceptions import InvalidInput
from config.redis import redis_client
from leaderboard import keys
from leaderboard.documents import (
    LeaderboardArchive,
    LeaderboardArchiveRank,
    LeaderboardGroup,
    LeaderboardGroupMember,
)
from leaderboard.groups import group_get, group_readers_forget
from leaderboard.scoring import ALL_TIME
from leaderboard.services import leaderboard_rebuild_request
from leaderboard.windows import current_periods, update_windows
from learning.selectors import enrolled_user_ids_among, object_id_parse

_DUPLICATE_KEY = 11000


def _members_check(course_id: str, user_ids: list[int]) -> list[int]:
    chosen = list(dict.fromkeys(user_ids))
    if len(chosen) > settings.LEADERBOARD_GROUP_MAX_BATCH:
        raise InvalidInput(f"at most {settings.LEADERBOARD_GROUP_MAX_BATCH} members per request",
                           code="too_many_members")
    unknown = sorted(set(chosen) - enrolled_user_ids_among(course_id=course_id, user_ids=chosen))
    if unknown:
        raise InvalidInput("members must be learners enrolled in the course; not enrolled: "
                           + ", ".join(map(str, unknown[:20])), code="members_not_enrolled")
    return chosen


def _followup(course_id: str, group_id: str) -> None:
    """Queue the rebuild of the group's live boards, then drop the flag."""
    for window in (ALL_TIME, *current_periods()):
        leaderboard_rebuild_request(course_id=course_id, window=window.of_group(group_id))
    LeaderboardGroup._get_collection().update_one({"_id": ObjectId(group_id)},
                                                  {"$unset": {"followup_pending": ""}})


def _changed(course_id: str, group_id: str) -> dict:
    """Store the new member count flagged, then queue the boards' rebuild."""
    oid = ObjectId(group_id)
    count = LeaderboardGroupMember._get_collection().count_documents({"group_id": oid})
    LeaderboardGroup._get_collection().update_one(
        {"_id": oid}, {"$set": {"member_count": count, "updated_at": timezone.now(),
                                "followup_pending": True}})
    _followup(course_id, group_id)
    return group_get(course_id=course_id, group_id=group_id)


def _insert(course_id: str, group_id: str, user_ids: list[int]) -> None:
    oid, course = ObjectId(group_id), ObjectId(course_id)
    collection = LeaderboardGroupMember._get_collection()
    present = {d["user_id"] for d in collection.find({"group_id": oid, "user_id": {"$in": user_ids}},
                                                     {"user_id": 1})}
    new = [{"group_id": oid, "course_id": course, "user_id": u} for u in user_ids if u not in present]
    if not new:
        return
    try:
        collection.insert_many(new, ordered=False)
    except BulkWriteError as exc:  # a concurrent add of the same learner: they are in, as asked
        if any(e.get("code") != _DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
            raise


def group_create(*, course_id: str, name: str, members: list[int], by: int) -> dict:
    """A new group of the course with these members (enrolled learners)."""
    course = object_id_parse(course_id, what="course_id")
    chosen = _members_check(course_id, members)
    now = timezone.now()
    group_id = LeaderboardGroup._get_collection().insert_one(
        {"course_id": course, "name": name, "member_count": 0, "created_by": by,
         "created_at": now, "updated_at": now, "followup_pending": True}).inserted_id
    _insert(course_id, str(group_id), chosen)
    return _changed(course_id, str(group_id))


def group_rename(*, course_id: str, group_id: str, name: str) -> dict:
    """Rename a group (its boards stay as they are)."""
    group_get(course_id=course_id, group_id=group_id)
    LeaderboardGroup._get_collection().update_one(
        {"_id": ObjectId(group_id)}, {"$set": {"name": name, "updated_at": timezone.now()}})
    return group_get(course_id=course_id, group_id=group_id)


def group_members_add(*, course_id: str, group_id: str, user_ids: list[int]) -> dict:
    """Add enrolled learners to a group; its boards are rebuilt with them."""
    group_get(course_id=course_id, group_id=group_id)
    _insert(course_id, group_id, _members_check(course_id, user_ids))
    return _changed(course_id, group_id)


def group_members_remove(*, course_id: str, group_id: str, user_ids: list[int]) -> dict:
    """Remove learners from a group (absent ones are ignored); its boards are rebuilt without."""
    group_get(course_id=course_id, group_id=group_id)
    if len(user_ids) > settings.LEADERBOARD_GROUP_MAX_BATCH:
        raise InvalidInput(f"at most {settings.LEADERBOARD_GROUP_MAX_BATCH} members per request",
                           code="too_many_members")
    LeaderboardGroupMember._get_collection().delete_many(
        {"group_id": ObjectId(group_id), "user_id": {"$in": list(user_ids)}})
    group_readers_forget(group_id=group_id)
    return _changed(course_id, group_id)


def group_delete(*, course_id: str, group_id: str) -> None:
    """Delete a group, its members, its archives and its live boards (older weekly boards expire
    by themselves)."""
    group_get(course_id=course_id, group_id=group_id)
    oid = ObjectId(group_id)
    archives = LeaderboardArchive._get_collection()
    archive_ids = [d["_id"] for d in archives.find({"group": oid}, {"_id": 1})]
    LeaderboardArchiveRank._get_collection().delete_many({"archive_id": {"$in": archive_ids}})
    archives.delete_many({"_id": {"$in": archive_ids}})
    LeaderboardGroupMember._get_collection().delete_many({"group_id": oid})
    LeaderboardGroup._get_collection().delete_one({"_id": oid})
    group_readers_forget(group_id=group_id)
    names = [window.of_group(group_id).name for window in update_windows()]
    redis_client().unlink(*[key for name in names for key in
                            [*keys.board_keys(course_id, name), keys.empty_marker_key(course_id, name)]])


def group_followups_repair(*, older_than_seconds: int = 30, limit: int = 100) -> int:
    """Queue the rebuilds of membership changes a dead request left flagged."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    found = list(LeaderboardGroup._get_collection().find(
        {"followup_pending": True, "updated_at": {"$lt": cutoff}}, {"course_id": 1}).limit(limit))
    for doc in found:
        _followup(str(doc["course_id"]), str(doc["_id"]))
    return len(found)
