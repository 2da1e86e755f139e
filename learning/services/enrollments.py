"""Writes of enrollments: one per learner and course."""
from __future__ import annotations

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from learning.documents import Enrollment
from learning.selectors import enrollment_get, object_id_parse


def enrollment_store(*, user_id: int, course_id: str | ObjectId) -> tuple[Enrollment, bool]:
    """Store the enrollment once; return it and whether it is new."""
    oid = object_id_parse(course_id, what="course_id")
    existing = enrollment_get(user_id=user_id, course_id=oid)
    if existing is not None:
        return existing, False
    try:
        enrollment = Enrollment(user_id=user_id, course_id=oid, followup_pending=True)
        enrollment.save()
    except NotUniqueError:  # a concurrent request enrolled first
        return enrollment_get(user_id=user_id, course_id=oid), False
    return enrollment, True


def enrollment_followup_done(*, enrollment_id: ObjectId) -> None:
    """Clear the enrollment's flag: its activity and first recalculation are queued."""
    Enrollment._get_collection().update_one({"_id": enrollment_id},
                                            {"$unset": {"followup_pending": ""}})
