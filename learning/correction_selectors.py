"""Reads of staff corrections: overrides in force, their history, resets, archived attempts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId

from learning.correction_documents import (
    OVERRIDE_SET,
    ArchivedAttempt,
    CourseReset,
    MarkOverride,
    UserErasure,
)
from learning.selectors import object_id_parse


@dataclass(frozen=True, slots=True)
class OverrideInForce:
    """An item's marks override in force for a learner, from its latest change."""

    change_id: ObjectId
    user_id: int
    course_id: str
    item_id: str
    marks: float
    reason: str
    changed_by: int
    changed_at: datetime
    revision: int


def override_latest_get(*, user_id: int, course_id: str | ObjectId,
                        item_id: str | ObjectId) -> MarkOverride | None:
    """The latest change (set or removal) of a learner's override on one item, if any."""
    return (MarkOverride.objects(course_id=object_id_parse(course_id, what="course_id"),
                                 user_id=user_id, item_id=ObjectId(str(item_id)))
            .order_by("-revision").first())


def overrides_in_force(*, course_id: str | ObjectId, user_ids: list[int] | None = None,
                       item_id: str | None = None) -> list[OverrideInForce]:
    """Overrides in force in a course (for some learners, or one item): per learner and item, the
    change of the highest revision, when it sets marks. One aggregation over the history."""
    match: dict = {"course_id": object_id_parse(course_id, what="course_id")}
    if user_ids is not None:
        match["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
    if item_id is not None:
        match["item_id"] = object_id_parse(item_id, what="content_id")
    rows = MarkOverride._get_collection().aggregate([
        {"$match": match},
        {"$sort": {"revision": -1}},
        {"$group": {"_id": {"u": "$user_id", "i": "$item_id"}, "change_id": {"$first": "$_id"},
                    "action": {"$first": "$action"}, "marks": {"$first": "$marks"},
                    "reason": {"$first": "$reason"}, "changed_by": {"$first": "$changed_by"},
                    "changed_at": {"$first": "$changed_at"}, "revision": {"$first": "$revision"}}},
    ])
    found = [OverrideInForce(change_id=row["change_id"], user_id=row["_id"]["u"],
                             course_id=str(match["course_id"]), item_id=str(row["_id"]["i"]),
                             marks=row["marks"], reason=row["reason"],
                             changed_by=row["changed_by"], changed_at=row["changed_at"],
                             revision=row["revision"])
             for row in rows if row["action"] == OVERRIDE_SET]
    return sorted(found, key=lambda o: (o.user_id, o.item_id))


def override_changes_list(*, course_id: str | ObjectId, user_id: int | None = None,
                          item_id: str | None = None, limit: int = 50,
                          offset: int = 0) -> tuple[int, list[MarkOverride]]:
    """Every change of overrides in a course (one learner's, one item's), newest first, with the
    total count. The learner's attempt history merges these (one per correction they saw)."""
    query = MarkOverride.objects(course_id=object_id_parse(course_id, what="course_id"))
    if user_id is not None:
        query = query.filter(user_id=user_id)
    if item_id is not None:
        query = query.filter(item_id=object_id_parse(item_id, what="content_id"))
    query = query.order_by("-changed_at", "-revision")
    return query.count(), list(query.skip(offset).limit(limit))


def course_resets_list(*, course_id: str | ObjectId, user_id: int | None = None,
                       limit: int = 50, offset: int = 0) -> tuple[int, list[CourseReset]]:
    """Resets in a course (one learner's), newest first, with the total count."""
    query = CourseReset.objects(course_id=object_id_parse(course_id, what="course_id"))
    if user_id is not None:
        query = query.filter(user_id=user_id)
    query = query.order_by("-reset_at")
    return query.count(), list(query.skip(offset).limit(limit))


def course_reset_get(*, reset_id: str | ObjectId) -> CourseReset | None:
    """One reset by id."""
    return CourseReset.objects(id=object_id_parse(reset_id, what="reset_id")).first()


def archived_attempts_count(*, reset_id: ObjectId) -> int:
    """Attempts a reset archived."""
    return ArchivedAttempt._get_collection().count_documents({"reset_id": reset_id})


def override_removals_count(*, cause: str) -> int:
    """Overrides a reset (its cause string) removed."""
    return MarkOverride._get_collection().count_documents({"cause": cause})


def user_erasure_get(*, user_id: int) -> UserErasure | None:
    """The erasure of a user, if one was asked for."""
    return UserErasure.objects(id=user_id).first()


def corrections_history_get(*, course_id: str | ObjectId, user_id: int,
                            content_id: str | None = None,
                            since: datetime | None = None) -> list[dict]:
    """A learner's corrections in a course as attempt-history entries, newest first: one per
    override change (on `content_id` only, if given) and one per reset (none when filtering by
    item). The attempt history merges them with the attempts by `at`; a learner has few."""
    oid = object_id_parse(course_id, what="course_id")
    changes = MarkOverride.objects(course_id=oid, user_id=user_id)
    if content_id is not None:
        changes = changes.filter(item_id=object_id_parse(content_id, what="content_id"))
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    entries = [{"type": "override", "id": str(c.id), "at": c.changed_at,
                "content_id": str(c.item_id), "action": c.action, "marks": c.marks,
                "previous_marks": c.previous_marks, "reason": c.reason, "by": c.changed_by}
               for c in changes]
    if content_id is None:
        resets = CourseReset.objects(course_id=oid, user_id=user_id)
        if since is not None:
            resets = resets.filter(reset_at__gte=since)
        entries += [{"type": "reset", "id": str(r.id), "at": r.reset_at, "content_id": None,
                     "reason": r.reason, "by": r.reset_by,
                     "archived_attempts": r.archived_attempts} for r in resets]
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)
