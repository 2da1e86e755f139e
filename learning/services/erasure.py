"""Writes of a user's erasure in the catalogue: the account scrubbed, the profile gone, and what
the learner leaves in courses kept under an anonymous id that nothing links to them afterwards.

Every step is idempotent: the erasure flow runs them all again until the erasure closes.
"""
from __future__ import annotations

import secrets
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from rest_framework.authtoken.models import Token

from learning.correction_documents import (
    ARCHIVED_BY_ERASURE,
    REDACTED_REASON,
    ArchivedAttempt,
    CourseReset,
    MarkOverride,
    UserErasure,
)
from learning.documents import (
    AttemptSummary,
    ContentAttempt,
    Enrollment,
    LearnerProfile,
    learner_course_key,
)
from learning.selectors import course_access_forget, object_id_parse, profile_cache_forget
from learning.services.corrections import attempts_archive, learner_summary_restart, moment_ms

ERASED_USERNAME_PREFIX = "erased-"


def user_erasure_open(*, user_id: int, requested_by: int) -> UserErasure:
    """The user's erasure record, created on the first request with a fresh anonymous id; a
    repeated request gets the same record (one erasure per user)."""
    anonymous_id = -(secrets.randbelow(2**52) + 1)  # negative: never a Django user id
    doc = UserErasure._get_collection().find_one_and_update(
        {"_id": user_id},
        {"$setOnInsert": {"requested_by": requested_by,
                          "requested_at": moment_ms(timezone.now()),
                          "anonymous_id": anonymous_id, "open": True}},
        upsert=True, return_document=ReturnDocument.AFTER)
    return UserErasure._from_son(doc)


def account_scrub(*, user_id: int) -> None:
    """Deactivate the Django user and drop what identifies them (name, e-mail, password); their
    tokens go. The row stays, so the id is never given to another user (data keyed by it)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        if not user.username.startswith(ERASED_USERNAME_PREFIX):
            user.username = f"{ERASED_USERNAME_PREFIX}{uuid.uuid4().hex[:16]}"
        user.email = user.first_name = user.last_name = ""
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()  # also ends their sessions (the session hash changes)
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
    Token.objects.filter(user_id=user_id).delete()


def profile_delete(*, user_id: int) -> bool:
    """Delete the public profile (display name, avatar) boards showed."""
    deleted = LearnerProfile._get_collection().delete_one({"_id": user_id}).deleted_count == 1
    profile_cache_forget(user_id=user_id)
    return deleted


def learner_course_ids(*, user_id: int) -> set[str]:
    """Every course the learner has anything in: enrollments, summaries, attempts (live or
    archived), overrides, resets."""
    found: set[str] = set()
    for document in (Enrollment, AttemptSummary, ContentAttempt, ArchivedAttempt, MarkOverride,
                     CourseReset):
        found.update(str(c) for c in document._get_collection().distinct("course_id",
                                                                          {"user_id": user_id}))
    return found


def learner_course_anonymise(*, user_id: int, course_id: str, anonymous_id: int,
                             fence: UserErasure) -> int:
    """Hand the learner's records in one course over to `anonymous_id`: the summary (copied,
    then the old one emptied and fenced, its version raised), attempts archived, archived
    attempts, the enrollment; override and reset history keep no reason (staff wrote those
    about the person). Returns the attempts archived by this call."""
    oid = object_id_parse(course_id, what="course_id")
    _summary_copy(user_id=user_id, course_oid=oid, to_user_id=anonymous_id)
    learner_summary_restart(user_id=user_id, course_id=oid, fence_at=fence.requested_at,
                            fence_id=f"erasure:{user_id}", drop_overrides=True)
    archived = attempts_archive(user_id=user_id, course_id=oid, archived_by=ARCHIVED_BY_ERASURE,
                                as_user_id=anonymous_id)
    mine = {"user_id": user_id, "course_id": oid}
    ArchivedAttempt._get_collection().update_many(mine, {"$set": {"user_id": anonymous_id}})
    for document in (MarkOverride, CourseReset):
        document._get_collection().update_many(
            mine, {"$set": {"user_id": anonymous_id, "reason": REDACTED_REASON}})
    enrollments = Enrollment._get_collection()
    doc = enrollments.find_one({"_id": learner_course_key(user_id, oid)})
    if doc is not None:  # keyed by learner and course: the anonymous one is a new document
        try:
            enrollments.insert_one({**doc, "_id": learner_course_key(anonymous_id, oid),
                                    "user_id": anonymous_id})
        except DuplicateKeyError:  # handed over by an earlier run; this one was made since
            pass
        enrollments.delete_one({"_id": doc["_id"]})
    course_access_forget(user_id=user_id, course_id=oid)
    return archived


def _summary_copy(*, user_id: int, course_oid, to_user_id: int) -> None:
    """Copy the learner's summary to the anonymous id once (a later run finds the copy)."""
    collection = AttemptSummary._get_collection()
    doc = collection.find_one({"_id": learner_course_key(user_id, course_oid)})
    if doc is None or doc.get("reset_id") == f"erasure:{user_id}":
        return  # nothing to copy, or already emptied by this erasure (so copied before)
    doc.update(_id=learner_course_key(to_user_id, course_oid), user_id=to_user_id)
    doc.pop("reset_at", None)
    doc.pop("reset_id", None)
    try:
        collection.insert_one(doc)
    except DuplicateKeyError:
        pass


def user_erasure_progress(*, user_id: int, courses: int, archived: int) -> None:
    """Record what a run did (courses seen, attempts archived so far) and when it first finished."""
    collection = UserErasure._get_collection()
    collection.update_one({"_id": user_id}, {"$max": {"courses": courses},
                                             "$inc": {"attempts_archived": archived}})
    collection.update_one({"_id": user_id, "finished_at": None},
                          {"$set": {"finished_at": timezone.now()}})


def user_erasure_close(*, user_id: int) -> None:
    """Forget the anonymous id: from now on nothing links the kept records to the user."""
    UserErasure._get_collection().update_one(
        {"_id": user_id},
        {"$unset": {"anonymous_id": "", "open": ""}, "$set": {"closed_at": timezone.now()}})
