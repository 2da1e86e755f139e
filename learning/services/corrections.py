"""Writes of staff corrections in the catalogue: marks overrides, resets and the attempt archive.

Each write is idempotent, so a flow that dies half-way is finished by running it again (the
sweep does, for records still flagged). Every change of what a learner's results are raises
their attempt summary's `version`, which orders the progress and board computations after it.
"""
from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from django.utils import timezone
from pymongo import ReplaceOne, ReturnDocument
from pymongo.errors import DuplicateKeyError

from config.exceptions import NotFound
from learning.correction_documents import (
    ARCHIVED_BY_ERASURE,
    ARCHIVED_BY_RESET,
    OVERRIDE_REMOVED,
    OVERRIDE_SET,
    ArchivedAttempt,
    CourseReset,
    MarkOverride,
)
from learning.correction_selectors import override_latest_get, overrides_in_force
from learning.documents import AttemptSummary, ContentAttempt, learner_course_key
from learning.outline import ItemSpec
from learning.selectors import object_id_parse

ARCHIVE_BATCH = 500
# The live attempt's fields an archived copy keeps (its flag is not one: nothing repairs it).
_ARCHIVED_FIELDS = ("user_id", "course_id", "item_id", "kind", "marks", "completed", "answers",
                    "graded_by", "submitted_at", "late", "penalty_percent", "raw_marks")


def moment_ms(value: datetime) -> datetime:
    """A moment cut to milliseconds, as MongoDB stores it, so Python and filters compare alike."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def reset_fence(fence_id: str) -> tuple[str, str]:
    """("reset" | "erasure", the record's id) of a summary's `reset_id`."""
    kind, _, record_id = fence_id.partition(":")
    return kind, record_id


# --- Overrides ------------------------------------------------------------------------------------

def override_revision_take(*, user_id: int, course_id: str | ObjectId) -> int:
    """The next override revision of a learner in a course (one atomic increment on their
    summary, created if needed): changes taken later get higher numbers."""
    oid = object_id_parse(course_id, what="course_id")
    collection = AttemptSummary._get_collection()
    update = {"$inc": {"override_revision": 1},
              "$setOnInsert": {"user_id": user_id, "course_id": oid}}
    key = learner_course_key(user_id, oid)
    try:
        doc = collection.find_one_and_update({"_id": key}, update, upsert=True,
                                             projection={"override_revision": 1},
                                             return_document=ReturnDocument.AFTER)
    except DuplicateKeyError:  # a concurrent write created the summary a moment ago
        doc = collection.find_one_and_update({"_id": key}, update, projection={"override_revision": 1},
                                             return_document=ReturnDocument.AFTER)
    return doc["override_revision"]


def override_change_store(*, user_id: int, course_id: str | ObjectId, item: ItemSpec,
                          marks: float | None, reason: str, changed_by: int,
                          cause: str | None = None) -> MarkOverride:
    """Record one change of a learner's override on an item (`marks` None removes it), flagged
    until the flow has applied it; 404 `no_override` when removing one that is not in force."""
    oid = object_id_parse(course_id, what="course_id")
    latest = override_latest_get(user_id=user_id, course_id=oid, item_id=item.id)
    previous = latest.marks if latest is not None and latest.action == OVERRIDE_SET else None
    if marks is None and previous is None:
        raise NotFound(f"User {user_id} has no marks override on '{item.title}'.",
                       code="no_override")
    change = MarkOverride(
        user_id=user_id, course_id=oid, item_id=ObjectId(item.id),
        action=OVERRIDE_REMOVED if marks is None else OVERRIDE_SET,
        marks=None if marks is None else round(float(marks), 2), previous_marks=previous,
        reason=reason, changed_by=changed_by, changed_at=timezone.now(), cause=cause,
        revision=override_revision_take(user_id=user_id, course_id=oid),
        followup_pending=True if cause is None else None)
    change.save()
    return change


def override_apply(*, user_id: int, course_id: str | ObjectId, item_id: str) -> bool:
    """Copy the item's latest override change into the learner's summary (marks in force, or
    none), raising its version, unless the summary already holds that revision or a later one.
    The copy comes from the history, not the caller, so concurrent changes end on the latest."""
    oid = object_id_parse(course_id, what="course_id")
    latest = override_latest_get(user_id=user_id, course_id=oid, item_id=item_id)
    if latest is None:
        return False
    revision_field = f"override_revisions.{item_id}"
    update: dict = {"$set": {revision_field: latest.revision, "changed_at": timezone.now()},
                    "$inc": {"version": 1}}
    if latest.action == OVERRIDE_SET:
        update["$set"][f"overrides.{item_id}"] = latest.marks
    else:
        update["$unset"] = {f"overrides.{item_id}": ""}
    result = AttemptSummary._get_collection().update_one(
        {"_id": learner_course_key(user_id, oid),
         "$or": [{revision_field: None}, {revision_field: {"$lt": latest.revision}}]}, update)
    return result.modified_count == 1


def override_followup_done(*, change_id: ObjectId) -> None:
    """Clear the change's flag: the summary holds it and its derived work is queued."""
    MarkOverride._get_collection().update_one({"_id": change_id},
                                              {"$unset": {"followup_pending": ""}})


def overrides_remove_before(*, user_id: int, course_id: str | ObjectId, below_revision: int,
                            reason: str, changed_by: int, cause: str) -> int:
    """Remove (one recorded change each, marked with `cause`) the learner's overrides in force
    that came before `below_revision`, and apply every removal of that cause to the summary.
    Repeats remove nothing twice. Returns how many items it touched."""
    oid = object_id_parse(course_id, what="course_id")
    for override in overrides_in_force(course_id=oid, user_ids=[user_id]):
        if override.revision < below_revision:
            override_change_store(user_id=user_id, course_id=oid,
                                  item=_ItemRef(override.item_id), marks=None, reason=reason,
                                  changed_by=changed_by, cause=cause)
    touched = MarkOverride._get_collection().distinct("item_id", {"cause": cause})
    for item_id in touched:
        override_apply(user_id=user_id, course_id=oid, item_id=str(item_id))
    return len(touched)


class _ItemRef:
    """An item known by id only (a removal needs no more, and the item may have left the outline)."""

    def __init__(self, item_id: str) -> None:
        self.id, self.title = item_id, item_id


# --- Resets ---------------------------------------------------------------------------------------

def course_reset_store(*, user_id: int, course_id: str | ObjectId, reason: str,
                       reset_by: int) -> CourseReset:
    """Record a reset, flagged until its flow is done; overrides taken before it will go."""
    oid = object_id_parse(course_id, what="course_id")
    floor = override_revision_take(user_id=user_id, course_id=oid)
    reset = CourseReset(user_id=user_id, course_id=oid, reason=reason, reset_by=reset_by,
                        reset_at=moment_ms(timezone.now()), override_floor=floor,
                        followup_pending=True)
    reset.save()
    return reset


def learner_summary_restart(*, user_id: int, course_id: str | ObjectId, fence_at: datetime,
                            fence_id: str, drop_overrides: bool = False) -> bool:
    """Start the learner's summary over (best marks, completions, attempt counts) and fence it:
    attempts submitted up to `fence_at` are never merged into it again. The version goes up.
    A repeat, or a summary fenced later already, changes nothing; returns whether it applied."""
    oid = object_id_parse(course_id, what="course_id")
    emptied: dict = {"best_marks": {}, "done_items": [], "late_items": [], "attempt_counts": {},
                     "last_attempt_at": {}, "reset_at": fence_at, "reset_id": fence_id,
                     "changed_at": timezone.now()}
    if drop_overrides:
        emptied["overrides"] = {}
    update = {"$set": emptied, "$inc": {"version": 1},
              "$setOnInsert": {"user_id": user_id, "course_id": oid}}
    query = {"_id": learner_course_key(user_id, oid),
             "$or": [{"reset_at": None}, {"reset_at": {"$lt": fence_at}}]}
    try:
        AttemptSummary._get_collection().update_one(query, update, upsert=True)
    except DuplicateKeyError:  # fenced at or after this moment already: nothing to do
        return False
    return True


def course_reset_done(*, reset_id: ObjectId, archived: int, overrides_removed: int) -> None:
    """Record what the reset did and clear its flag."""
    CourseReset._get_collection().update_one(
        {"_id": reset_id},
        {"$set": {"archived_attempts": archived, "overrides_removed": overrides_removed,
                  "finished_at": timezone.now()},
         "$unset": {"followup_pending": ""}})


# --- The archive ----------------------------------------------------------------------------------

def attempts_archive(*, user_id: int, course_id: str | ObjectId, archived_by: str,
                     up_to: datetime | None = None, reset_id: ObjectId | None = None,
                     as_user_id: int | None = None) -> int:
    """Move the learner's attempts in the course (those submitted up to `up_to`) to the
    archive, under `as_user_id` if given; returns how many moved this time."""
    query: dict = {"course_id": object_id_parse(course_id, what="course_id"), "user_id": user_id}
    if up_to is not None:
        query["submitted_at"] = {"$lte": up_to}
    return _attempts_move(query, archived_by=archived_by, reset_id=reset_id, as_user_id=as_user_id)


def attempt_fenced_archive(*, attempt: ContentAttempt) -> bool:
    """Archive an attempt its summary refused because a reset or erasure fenced it out (it was
    submitted before that, but stored after the attempts were archived)."""
    doc = AttemptSummary._get_collection().find_one(
        {"_id": learner_course_key(attempt.user_id, attempt.course_id)}, {"reset_id": 1}) or {}
    kind, record_id = reset_fence(doc.get("reset_id") or "")
    if kind == "reset":
        return _attempts_move({"_id": attempt.id}, archived_by=ARCHIVED_BY_RESET,
                              reset_id=ObjectId(record_id)) == 1
    # An erasure re-keys what it archived under the old id while it is open (its sweep pass).
    return _attempts_move({"_id": attempt.id}, archived_by=ARCHIVED_BY_ERASURE) == 1


def _attempts_move(query: dict, *, archived_by: str, reset_id: ObjectId | None = None,
                   as_user_id: int | None = None) -> int:
    """Copy matching live attempts to the archive (same ids, so a repeat overwrites its own
    copy), then delete them from the live collection, in batches."""
    live, archive = ContentAttempt._get_collection(), ArchivedAttempt._get_collection()
    moved = 0
    while True:
        batch = list(live.find(query).limit(ARCHIVE_BATCH))
        if not batch:
            return moved
        now = timezone.now()
        copies = []
        for doc in batch:
            copy = {field: doc.get(field) for field in _ARCHIVED_FIELDS if field in doc}
            copy.update(_id=doc["_id"], archived_at=now, archived_by=archived_by, reset_id=reset_id)
            if as_user_id is not None:
                copy["user_id"] = as_user_id
            copies.append(ReplaceOne({"_id": doc["_id"]}, copy, upsert=True))
        archive.bulk_write(copies, ordered=False)
        live.delete_many({"_id": {"$in": [doc["_id"] for doc in batch]}})
        moved += len(batch)
