"""Activity of an erased user: kept for the reports, under an anonymous id."""
from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from analytics.documents import ActivityLog
from analytics.services import course_completion_event_id


def activity_anonymise(*, user_id: int, anonymous_id: int) -> int:
    """Move the user's activity events to `anonymous_id` (active learners and attempts per day
    stay right); completion events, whose ids name the user, get the anonymous id's. Idempotent;
    returns how many events moved."""
    collection = ActivityLog._get_collection()
    for doc in collection.find({"user_id": user_id, "verb": "completed_course"}):
        renamed = course_completion_event_id(user_id=anonymous_id, course_id=str(doc["course_id"]))
        if doc["_id"] == renamed:
            continue
        try:  # the event id is the primary key: a renamed event is a new document
            collection.insert_one({**doc, "_id": renamed})
        except DuplicateKeyError:  # an earlier run renamed it; this copy came in since
            pass
        collection.delete_one({"_id": doc["_id"]})
    return collection.update_many({"user_id": user_id},
                                  {"$set": {"user_id": anonymous_id}}).modified_count
