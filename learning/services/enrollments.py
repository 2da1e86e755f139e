"""Writes of enrollments: one per learner and course, left and taken up again in place."""
from __future__ import annotations

from bson import ObjectId
from django.utils import timezone
from mongoengine.errors import NotUniqueError
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError

from learning.documents import Enrollment, learner_course_key
from learning.selectors import enrollment_find, object_id_parse


def enrollment_store(*, user_id: int, course_id: str | ObjectId) -> tuple[Enrollment, bool]:
    """Store the enrollment once, or take a left one up again; return it and whether the
    learner was not enrolled before."""
    oid = object_id_parse(course_id, what="course_id")
    existing = enrollment_find(user_id=user_id, course_id=oid)
    if existing is not None:
        if existing.left_at is None:
            return existing, False
        back = enrollment_rejoin(enrollment_id=existing.id)
        return (back, True) if back is not None else (enrollment_find(user_id=user_id,
                                                                      course_id=oid), False)
    try:
        enrollment = Enrollment(user_id=user_id, course_id=oid, followup_pending=True)
        enrollment.save()
    except NotUniqueError:  # a concurrent request enrolled first
        return enrollment_find(user_id=user_id, course_id=oid), False
    return enrollment, True


def enrollment_rejoin(*, enrollment_id: str) -> Enrollment | None:
    """Bring a learner who left back (enrolled_at kept, so drip dates stay); None if they were
    back already."""
    now = timezone.now()
    doc = Enrollment._get_collection().find_one_and_update(
        {"_id": enrollment_id, "left_at": {"$ne": None}},
        {"$set": {"left_at": None, "changed_at": now, "followup_pending": True}},
        return_document=ReturnDocument.AFTER)
    return Enrollment._from_son(doc) if doc is not None else None


def enrollment_leave_store(*, user_id: int, course_id: str | ObjectId) -> Enrollment | None:
    """Mark the learner as having left the course (flagged until the follow-up is queued);
    None when they were not enrolled. Their attempts, summary and progress stay."""
    now = timezone.now()
    doc = Enrollment._get_collection().find_one_and_update(
        {"_id": learner_course_key(user_id, object_id_parse(course_id, what="course_id")),
         "left_at": None},
        {"$set": {"left_at": now, "changed_at": now, "followup_pending": True}},
        return_document=ReturnDocument.AFTER)
    return Enrollment._from_son(doc) if doc is not None else None


def enrollments_store_many(*, course_id: ObjectId, user_ids: list[int]) -> list[Enrollment]:
    """Enroll many learners at once (one read, one insert, one update): the ones who were not
    enrolled are stored (or taken up again) flagged, and returned; the others are left alone."""
    collection = Enrollment._get_collection()
    found = {doc["user_id"]: doc for doc in collection.find(
        {"_id": {"$in": [learner_course_key(u, course_id) for u in user_ids]}},
        {"user_id": 1, "left_at": 1})}
    now = timezone.now()
    new = [Enrollment(id=learner_course_key(user_id, course_id), user_id=user_id,
                      course_id=course_id, enrolled_at=now, followup_pending=True)
           for user_id in user_ids if user_id not in found]
    stored = []
    if new:
        docs = [e.to_mongo().to_dict() for e in new]
        try:
            collection.insert_many(docs, ordered=False)
            taken = set()
        except BulkWriteError as exc:  # some were enrolled meanwhile by their own request
            taken = {error["op"]["user_id"] for error in exc.details["writeErrors"]}
        stored += [enrollment for enrollment in new if enrollment.user_id not in taken]
    left = [doc["_id"] for doc in found.values() if doc.get("left_at") is not None]
    if left:
        collection.update_many({"_id": {"$in": left}, "left_at": {"$ne": None}},
                               {"$set": {"left_at": None, "changed_at": now,
                                         "followup_pending": True}})
        stored += list(Enrollment.objects(id__in=left, left_at=None))
    return stored


def enrollments_followup_done(*, enrollment_ids: list[str]) -> None:
    """Clear the flags of many enrollments at once."""
    Enrollment._get_collection().update_many({"_id": {"$in": enrollment_ids}},
                                             {"$unset": {"followup_pending": ""}})
