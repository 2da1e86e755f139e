"""xAPI 1.0.3 statements made from our events (pure: settings in, dicts out, no I/O)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from django.conf import settings

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {name: {"id": ADL + name, "display": {"en-US": name}}
         for name in ("experienced", "answered", "completed", "passed", "failed", "scored")}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "video": "https://w3id.org/xapi/video/activity-type/video",
    "article": "http://id.tincanapi.com/activitytype/resource",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "assignment": "http://id.tincanapi.com/activitytype/school-assignment",
}
# Statement ids come from the event and verb, so recording an event twice gives the same ids
# (and an LRS keeps one copy).
_NAMESPACE = uuid.UUID("0f7c2a52-3c0e-4f5e-9a55-6b3e2f1d7c11")


def statements_of(*, event_id: str, type: str, data: dict, occurred_at: datetime) -> list[dict]:
    """The xAPI statements an event stands for (see docs/integrations.md for the mapping)."""
    at = _iso(occurred_at)
    if type == "attempt.accepted":
        return _attempt_statements(event_id, data, at)
    if type == "item.completed":
        return [_statement(event_id, "completed", data["user_id"], _item(data), at,
                           result={"completion": True}, parent=data["course_id"])]
    if type == "course.completed":
        return [_statement(event_id, "completed", data["user_id"], _course(data["course_id"]), at,
                           result={"completion": True})]
    if type == "course.passed":
        result = {"success": True, "completion": True}
        if data.get("grade_percent") is not None:
            result["score"] = {"scaled": round(data["grade_percent"] / 100, 4)}
        return [_statement(event_id, "passed", data["user_id"], _course(data["course_id"]), at,
                           result=result)]
    return []


def _attempt_statements(event_id: str, data: dict, at: str) -> list[dict]:
    user_id, item, course_id = data["user_id"], _item(data), data["course_id"]
    marks = data.get("marks")
    if marks is None:  # a video or article marked done
        return [_statement(event_id, "experienced", user_id, item, at,
                           result={"completion": bool(data.get("completed"))}, parent=course_id)]
    score = _score(marks, data.get("max_marks"))
    graded = {"score": score} if score else {}
    passed = data.get("passed")
    outcome = {} if passed is None else {"success": passed}
    statements = []
    if data.get("kind") == "quiz":
        statements.append(_statement(event_id, "answered", user_id, item, at, parent=course_id,
                                     result={**graded, **outcome,
                                             "completion": bool(data.get("item_completed"))}))
    statements.append(_statement(event_id, "scored", user_id, item, at, parent=course_id,
                                 result={**graded, **outcome} or {"completion": True}))
    if passed is not None:
        statements.append(_statement(event_id, "passed" if passed else "failed", user_id, item, at,
                                     parent=course_id, result={**graded, "success": passed}))
    return statements


def _statement(event_id: str, verb: str, user_id: int, activity: dict, at: str, *,
               result: dict | None = None, parent: str | None = None) -> dict:
    context: dict = {"platform": "lms", "extensions": {f"{settings.XAPI_IRI_BASE}/extensions/event-id":
                                                       event_id}}
    if parent is not None:
        context["contextActivities"] = {"parent": [_course(parent)]}
    statement = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{event_id}:{verb}")),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": str(user_id)}},
        "verb": VERBS[verb],
        "object": activity,
        "context": context,
        "timestamp": at,
    }
    if result:
        statement["result"] = result
    return statement


def _course(course_id: str) -> dict:
    return {"objectType": "Activity", "id": f"{settings.XAPI_IRI_BASE}/courses/{course_id}",
            "definition": {"type": ACTIVITY_TYPES["course"]}}


def _item(data: dict) -> dict:
    definition = {"type": ACTIVITY_TYPES.get(data.get("kind"), ACTIVITY_TYPES["article"])}
    if data.get("item_title"):
        definition["name"] = {"en-US": data["item_title"]}
    return {"objectType": "Activity",
            "id": f"{settings.XAPI_IRI_BASE}/courses/{data['course_id']}/items/{data['item_id']}",
            "definition": definition}


def _score(marks: float, max_marks: float | None) -> dict | None:
    if not max_marks:
        return None
    raw = min(max(marks, 0), max_marks)
    return {"raw": raw, "min": 0, "max": max_marks, "scaled": round(raw / max_marks, 4)}


def _iso(when: datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
