"""Progress after staff corrections: a learner's progress restarted (reset) or re-keyed (erasure).

Both keep the ordering guard: a reset raises the stored document's `order` to the summary
version the reset made, so a computation from before the reset can no longer be stored.
"""
from __future__ import annotations

from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from config.redis import redis_client
from learning.documents import learner_course_key
from learning.selectors import attempt_summary_version, object_id_parse
from progress.documents import CourseProgress
from progress.keys import (
    progress_cache_key,
    progress_pending_key,
    progress_recent_key,
    progress_running_key,
)
from progress.services import computation_order

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def progress_restart(*, user_id: int, course_id: str, restarted_at: datetime) -> None:
    """Mark the learner's progress stale, refuse computations older than their summary's
    current version, and forget completion and pass moments from before `restarted_at` (they
    are otherwise kept forever); the cached copy goes, so readers never see the old one as new."""
    oid = object_id_parse(course_id, what="course_id")
    key = learner_course_key(user_id, oid)
    # Read after the summary restart: every computation at this version or later is newer.
    floor = computation_order(version=attempt_summary_version(user_id=user_id, course_id=oid),
                              outline_version=0, computed_at=_EPOCH)
    collection = CourseProgress._get_collection()
    collection.update_one({"_id": key, "order": {"$lt": floor}},
                          {"$set": {"order": floor, "stale": True}})
    collection.update_one({"_id": key, "completed_at": {"$lt": restarted_at}},
                          {"$unset": {"completed_at": "", "completion_announced": ""}})
    collection.update_one({"_id": key, "passed_at": {"$lt": restarted_at}},
                          {"$unset": {"passed_at": "", "pass_announced": ""}})
    redis_client().delete(progress_cache_key(user_id, course_id))


def progress_rekey(*, user_id: int, course_id: str, to_user_id: int) -> bool:
    """Move the learner's progress document to another (anonymous) user id once, keeping its
    values and moments (course reports count it); the old id's document, cache and markers go.
    Idempotent."""
    oid = object_id_parse(course_id, what="course_id")
    collection = CourseProgress._get_collection()
    old_key = learner_course_key(user_id, oid)
    doc = collection.find_one({"_id": old_key})
    if doc is not None:
        doc.update(_id=learner_course_key(to_user_id, oid), user_id=to_user_id)
        try:
            collection.insert_one(doc)
        except DuplicateKeyError:
            pass  # moved by an earlier run: what is left under the old id came late, and goes
        collection.delete_one({"_id": old_key})
    redis_client().delete(progress_cache_key(user_id, course_id),
                          progress_pending_key(user_id, course_id),
                          progress_running_key(user_id, course_id),
                          progress_recent_key(user_id, course_id))
    return doc is not None
