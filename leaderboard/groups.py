"""Reads of leaderboard groups: who is in which group, and who may read a group's boards."""
from __future__ import annotations

from bson import ObjectId

from config.exceptions import Forbidden, NotFound
from config.process_cache import ProcessCache
from leaderboard.documents import LeaderboardGroup, LeaderboardGroupMember
from learning.selectors import object_id_parse


def group_ids_of(*, course_id: str, user_id: int) -> list[str]:
    """The groups of the course the learner belongs to (the update path writes their boards)."""
    cursor = LeaderboardGroupMember._get_collection().find(
        {"course_id": ObjectId(course_id), "user_id": user_id}, {"group_id": 1})
    return sorted(str(d["group_id"]) for d in cursor)


def group_member_ids(*, group_id: str) -> list[int]:
    """Every member of a group."""
    cursor = LeaderboardGroupMember._get_collection().find({"group_id": ObjectId(group_id)},
                                                           {"user_id": 1})
    return [d["user_id"] for d in cursor]


def group_ids_all(*, course_id: str) -> list[str]:
    """Every group of a course."""
    cursor = LeaderboardGroup._get_collection().find({"course_id": ObjectId(course_id)}, {"_id": 1})
    return sorted(str(d["_id"]) for d in cursor)


def group_exists(*, group_id: str) -> bool:
    """Whether the group is (still) there."""
    return bool(LeaderboardGroup._get_collection().count_documents({"_id": ObjectId(group_id)},
                                                                   limit=1))


def group_get(*, course_id: str, group_id: str) -> dict:
    """A group of the course, else 404 `group_not_found`."""
    doc = LeaderboardGroup._get_collection().find_one(
        {"_id": object_id_parse(group_id, what="group"),
         "course_id": object_id_parse(course_id, what="course_id")})
    if doc is None:
        raise NotFound(f"Group {group_id} not found in this course", code="group_not_found")
    return _shape(doc)


def _shape(doc: dict) -> dict:
    return {"id": str(doc["_id"]), "course_id": str(doc["course_id"]), "name": doc["name"],
            "member_count": doc.get("member_count", 0), "created_at": doc.get("created_at"),
            "updated_at": doc.get("updated_at")}


def group_read_check(*, course_id: str, group_id: str, user) -> dict:
    """The group, if the user may read its boards: staff, or a member (else 403 `not_in_group`)."""
    group = group_get(course_id=course_id, group_id=group_id)
    if not user.is_staff and not LeaderboardGroupMember._get_collection().count_documents(
            {"group_id": ObjectId(group_id), "user_id": user.pk}, limit=1):
        raise Forbidden("Only the group's members and staff may read its boards.",
                        code="not_in_group")
    return group


# Group boards this process let a user read lately (boards are polled): a learner removed from a
# group, or a group deleted, through another process is refused there after at most
# ACCESS_CACHE_SECONDS, as with courses. Refusals are never kept.
_READERS = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=100_000)


def group_board_read_check(*, course_id: str, group_id: str, user) -> None:
    """group_read_check for board reads: a grant this process gave lately costs no read."""
    key = (course_id, group_id, "staff" if user.is_staff else user.pk)
    if _READERS.get(key):
        return
    generation = _READERS.generation()
    group_read_check(course_id=course_id, group_id=group_id, user=user)
    _READERS.put(key, True, generation=generation)


def group_readers_forget(*, group_id: str) -> None:
    """Close this process's cached grants to a group's boards (members left, or it is gone)."""
    _READERS.forget_where(lambda key, _: key[1] == group_id.lower())


def groups_list(*, course_id: str, user) -> list[dict]:
    """The course's groups: all of them for staff, a learner's own for a learner."""
    query: dict = {"course_id": object_id_parse(course_id, what="course_id")}
    if not user.is_staff:
        query["_id"] = {"$in": [ObjectId(g) for g in group_ids_of(course_id=course_id,
                                                                    user_id=user.pk)]}
    return [_shape(d) for d in LeaderboardGroup._get_collection().find(query).sort("name", 1)]
