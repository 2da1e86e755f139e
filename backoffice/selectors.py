"""Reads behind the admin's MongoDB pages: searchable, filterable querysets and lookups."""
from __future__ import annotations

import re

from bson import ObjectId
from django.contrib.auth import get_user_model
from mongoengine.queryset.visitor import Q

from analytics.documents import ActivityLog
from learning.documents import ContentAttempt, Course, Enrollment, LearnerProfile
from learning.outline import outline_from_document
from progress.documents import CourseProgress

_HEX_ID = re.compile(r"[0-9a-fA-F]{24}")  # used with fullmatch: "$" would allow a trailing "\n"
# Every id of up to 18 digits fits the 64-bit integers MongoDB and SQL databases store.
_MAX_USER_ID_DIGITS = 18


def course_choices() -> list[tuple[str, str]]:
    """(id, title) of every course, for the course filter."""
    rows = Course._get_collection().find({}, {"title": 1}).sort("title", 1)
    return [(str(row["_id"]), row["title"]) for row in rows]


def course_titles(*, course_ids) -> dict[str, str]:
    """Titles of some courses by id, in one read."""
    oids = [ObjectId(str(c)) for c in set(course_ids) if c and _HEX_ID.fullmatch(str(c))]
    if not oids:
        return {}
    rows = Course._get_collection().find({"_id": {"$in": oids}}, {"title": 1})
    return {str(row["_id"]): row["title"] for row in rows}


def usernames(*, user_ids) -> dict[int, str]:
    """Usernames of some Django users by id, in one query."""
    ids = {u for u in user_ids if u is not None}
    if not ids:
        return {}
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def user_id_searched(text: str) -> int | None:
    """The user id a search text spells (ASCII digits that fit the stores), else None."""
    # str.isdigit() alone also accepts "²" and "١", which int() refuses or reads as another number.
    if text.isascii() and text.isdigit() and len(text) <= _MAX_USER_ID_DIGITS:
        return int(text)
    return None


def user_ids_matching(*, text: str) -> list[int]:
    """Users whose id, username or display name matches the search text."""
    ids = set(get_user_model().objects.filter(username__icontains=text).values_list("pk", flat=True))
    ids.update(p.user_id for p in LearnerProfile.objects(display_name__icontains=text).only("user_id"))
    if (user_id := user_id_searched(text)) is not None:
        ids.add(user_id)
    return sorted(ids)


def _oid(value: str | None) -> ObjectId | None:
    return ObjectId(value) if value and _HEX_ID.fullmatch(value) else None


def course_search(*, query: str, published: str | None, unlock_mode: str | None):
    """Courses (without outlines), newest first."""
    qs = Course.objects.exclude("sections")
    if query:
        match = Q(title__icontains=query) | Q(slug__icontains=query)
        if _oid(query):
            match |= Q(id=_oid(query))
        qs = qs.filter(match)
    if published is not None:
        qs = qs.filter(published=published == "yes")
    if unlock_mode:
        qs = qs.filter(unlock_mode=unlock_mode)
    return qs.order_by("-created_at")


def item_search(*, query: str, course_id: str | None, kind: str | None,
                optional: str | None) -> list[dict]:
    """Every item of every (or one) course, flattened from the outlines, in course order."""
    where = {"_id": _oid(course_id)} if course_id else {}
    rows = []
    needle = query.lower()
    cursor = Course._get_collection().find(where, {"title": 1, "sections": 1}).sort("title", 1)
    for course in cursor:
        for section, lesson, item, position in outline_from_document(course).walk():
            if kind and item.kind != kind:
                continue
            if optional is not None and item.optional != (optional == "yes"):
                continue
            if needle and not (needle in item.title.lower() or needle in (item.key or "").lower()
                               or needle == item.id):
                continue
            rows.append({
                "course_id": str(course["_id"]), "course_title": course["title"],
                "position": position, "section": section.title, "lesson": lesson.title,
                "id": item.id, "key": item.key, "title": item.title, "kind": item.kind,
                "max_marks": item.max_marks, "pass_marks": item.pass_marks,
                "optional": item.optional,
            })
    return rows


def _by_user(qs, query: str):
    """Narrow a queryset with a `user_id` field to the users matching the search text."""
    if not query:
        return qs
    return qs.filter(user_id__in=user_ids_matching(text=query))


def enrollment_search(*, query: str, course_id: str | None):
    """Enrollments, newest first."""
    qs = _by_user(Enrollment.objects, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    return qs.order_by("-enrolled_at")


def attempt_search(*, query: str, course_id: str | None, kind: str | None, graded: str | None):
    """Attempts, newest first; the search matches the learner or the item id."""
    qs = ContentAttempt.objects
    if query:
        match = Q(user_id__in=user_ids_matching(text=query))
        if _oid(query):
            match |= Q(item_id=_oid(query)) | Q(id=_oid(query))
        qs = qs.filter(match)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if kind:
        qs = qs.filter(kind=kind)
    if graded == "yes":
        qs = qs.filter(marks__ne=None)
    elif graded == "no":
        qs = qs.filter(marks=None)
    return qs.order_by("-submitted_at")


def progress_search(*, query: str, course_id: str | None, status: str | None):
    """Progress documents (raw: the worker stores fields the document class does not declare)."""
    qs = _by_user(CourseProgress.objects, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if status == "complete":
        qs = qs.filter(completed_at__ne=None)
    elif status == "in_progress":
        qs = qs.filter(completed_at=None)
    elif status == "stale":
        qs = qs.filter(stale=True)
    return qs.order_by("-computed_at").as_pymongo()


def activity_search(*, query: str, course_id: str | None, verb: str | None):
    """Activity events, newest first."""
    qs = _by_user(ActivityLog.objects, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if verb:
        qs = qs.filter(verb=verb)
    return qs.order_by("-occurred_at")


def attempt_get(*, attempt_id: str) -> ContentAttempt | None:
    oid = _oid(attempt_id)
    return ContentAttempt.objects(id=oid).first() if oid else None


def progress_document_get(*, progress_id: str) -> dict | None:
    """One progress document by its id ("7:6650f0c2…", one per learner and course)."""
    return CourseProgress._get_collection().find_one({"_id": progress_id})


def activity_get(*, event_id: str) -> ActivityLog | None:
    return ActivityLog.objects(event_id=event_id).first()
