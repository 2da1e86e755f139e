"""Reads of the learning domain; hot paths use projections on the raw collections."""
from __future__ import annotations

import hashlib
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId

from config.exceptions import Forbidden, InvalidInput, NotFound
from config.process_cache import ProcessCache
from learning.documents import (
    AttemptSummary,
    ContentAttempt,
    Course,
    Enrollment,
    LearnerProfile,
    learner_course_key,
)
from learning.outline import AttemptFact, ItemSpec, Outline, outline_from_document

_OUTLINE_PROJECTION = {"unlock_mode": 1, "outline_version": 1, "sections": 1, "attempt_policy": 1,
                       "grading": 1, "late_policy": 1}


def object_id_parse(value: object, *, what: str = "id") -> ObjectId:
    """Parse a 24-hex id or raise a 4xx error that names the field."""
    if isinstance(value, ObjectId):
        return value
    if not isinstance(value, str) or len(value) != 24:
        raise InvalidInput(f"{what} must be a 24-character hex string", code="invalid_id")
    try:
        return ObjectId(value)
    except InvalidId as exc:
        raise InvalidInput(f"{what} must be a 24-character hex string", code="invalid_id") from exc


def course_get(*, course_id: str | ObjectId) -> Course:
    """Return the course document or raise NotFound."""
    course = Course.objects(id=object_id_parse(course_id, what="course_id")).first()
    if course is None:
        raise NotFound(f"Course {course_id} not found")
    return course


def course_list(*, include_unpublished: bool) -> list[Course]:
    """Courses visible to the caller, newest first."""
    qs = Course.objects if include_unpublished else Course.objects(published=True)
    return list(qs.exclude("sections").order_by("-created_at"))


def course_ids_all() -> list[str]:
    """Ids of every course (for scheduled rebuilds)."""
    return [str(doc["_id"]) for doc in Course._get_collection().find({}, {"_id": 1})]


# Parsed outlines of this process, keyed by (course id, outline_version). Every change that
# progress depends on bumps outline_version (learning.services.course_update), so an entry is
# never stale; a read of the version alone tells which entry is current.
_OUTLINE_CACHE: OrderedDict[tuple[str, int], Outline] = OrderedDict()
OUTLINE_CACHE_SIZE = 64
# API threads and the embedded worker's threads share the cache.
_OUTLINE_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class CourseHead:
    """The few fields of a course that decide which outline to use and who may see it."""

    id: ObjectId
    published: bool
    outline_version: int


def course_head_get(*, course_id: str | ObjectId) -> CourseHead:
    """One small read of a course (not its outline), or NotFound."""
    oid = object_id_parse(course_id, what="course_id")
    head = Course._get_collection().find_one({"_id": oid}, {"published": 1, "outline_version": 1})
    if head is None:
        raise NotFound(f"Course {course_id} not found")
    return CourseHead(id=oid, published=bool(head.get("published")),
                      outline_version=head.get("outline_version", 1))


def course_outline_get(*, course_id: str | ObjectId) -> Outline:
    """The outline of a course: one small read of its version when this process already parsed
    that version, else one more read of the outline."""
    return course_outline_at(head=course_head_get(course_id=course_id))


def course_outline_at(*, head: CourseHead) -> Outline:
    """The outline of the version a head names, parsed once per process and version."""
    outline = _outline_cached((str(head.id), head.outline_version))
    if outline is not None:
        return outline
    raw = Course._get_collection().find_one({"_id": head.id}, _OUTLINE_PROJECTION)
    if raw is None:
        raise NotFound(f"Course {head.id} not found")
    # Keyed by the version of the document actually read (it may have changed in between).
    return _outline_remember(outline_from_document(raw))


def course_outline_of(*, course: Course) -> Outline:
    """The outline of a course document already read, parsed once per outline version."""
    outline = _outline_cached((str(course.id), course.outline_version))
    return outline or _outline_remember(outline_from_document(course.to_mongo()))


def _outline_cached(key: tuple[str, int]) -> Outline | None:
    with _OUTLINE_CACHE_LOCK:
        outline = _OUTLINE_CACHE.get(key)
        if outline is not None:
            _OUTLINE_CACHE.move_to_end(key)
        return outline


def _outline_remember(outline: Outline) -> Outline:
    with _OUTLINE_CACHE_LOCK:
        _OUTLINE_CACHE[(outline.course_id, outline.version)] = outline
        while len(_OUTLINE_CACHE) > OUTLINE_CACHE_SIZE:
            _OUTLINE_CACHE.popitem(last=False)
    return outline


def attempt_facts_get(*, user_id: int, course_id: str | ObjectId) -> list[AttemptFact]:
    """All of one learner's attempts in one course, in one read; the marks of items staff
    overrode (one more read, of the summary) replace the attempts' marks."""
    oid = object_id_parse(course_id, what="course_id")
    cursor = ContentAttempt._get_collection().find(
        {"course_id": oid, "user_id": user_id},
        {"_id": 0, "item_id": 1, "marks": 1, "completed": 1},  # only what the calculation reads
    )
    facts = [AttemptFact(str(doc["item_id"]), doc.get("marks"), bool(doc.get("completed")))
             for doc in cursor]
    summary = AttemptSummary._get_collection().find_one({"_id": learner_course_key(user_id, oid)},
                                                        {"_id": 0, "overrides": 1}) or {}
    overrides = summary.get("overrides") or {}
    if not overrides:
        return facts
    return [*(AttemptFact(fact.item_id, None, fact.completed) if fact.item_id in overrides
              else fact for fact in facts),
            *(AttemptFact(item_id, marks, False) for item_id, marks in overrides.items())]


@dataclass(frozen=True, slots=True)
class SummaryRead:
    """A learner's results per item in a course, and the summary version they were read at."""

    facts: list[AttemptFact]
    version: int
    attempt_counts: dict[str, int]
    last_attempt_at: dict[str, datetime]
    late_items: set[str]
    overrides: dict[str, float] = field(default_factory=dict)  # item id -> marks set by staff


def attempt_summary_get(*, user_id: int, course_id: str | ObjectId) -> SummaryRead:
    """Per item, the best marks and completion of a learner's merged attempts, in one read by id;
    version 0 when the learner has no merged attempt yet. Marks staff set for an item replace
    its best marks (higher or lower; removing the override brings the best attempt back)."""
    oid = object_id_parse(course_id, what="course_id")
    doc = AttemptSummary._get_collection().find_one({"_id": learner_course_key(user_id, oid)}) or {}
    best_marks, done_items = doc.get("best_marks") or {}, set(doc.get("done_items") or ())
    overrides = doc.get("overrides") or {}
    marks = {**best_marks, **overrides}
    facts = [AttemptFact(item_id, marks.get(item_id), item_id in done_items)
             for item_id in marks.keys() | done_items]
    return SummaryRead(facts=facts, version=doc.get("version", 0),
                       attempt_counts=doc.get("attempt_counts") or {},
                       last_attempt_at=doc.get("last_attempt_at") or {},
                       late_items=set(doc.get("late_items") or ()), overrides=overrides)


def attempt_summary_version(*, user_id: int, course_id: str | ObjectId) -> int:
    """The learner's summary version alone (0 without one)."""
    oid = object_id_parse(course_id, what="course_id")
    doc = AttemptSummary._get_collection().find_one({"_id": learner_course_key(user_id, oid)},
                                                    {"_id": 0, "version": 1})
    return (doc or {}).get("version", 0)


def course_item_get(*, outline: Outline, item_id: str) -> ItemSpec:
    """The item of the course with this id, or NotFound naming it."""
    item = outline.item_index.get(str(object_id_parse(item_id, what="content_id")))
    if item is None:
        raise NotFound(f"Item {item_id} is not part of this course.", code="unknown_item")
    return item


# Enrollments in force: a learner who left keeps the document, with `left_at` set.
ENROLLED = {"left_at": None}


def enrollment_get(*, user_id: int, course_id: str | ObjectId) -> Enrollment | None:
    """The learner's enrollment in the course, if they are enrolled (not if they left)."""
    return Enrollment.objects(id=learner_course_key(user_id, object_id_parse(course_id)),
                              left_at=None).first()


def enrollment_find(*, user_id: int, course_id: str | ObjectId) -> Enrollment | None:
    """The learner's enrollment document in the course, in force or left."""
    return Enrollment.objects(id=learner_course_key(user_id, object_id_parse(course_id))).first()


def enrollment_user_ids(*, course_id: str | ObjectId) -> list[int]:
    """User ids of everyone enrolled in a course."""
    oid = object_id_parse(course_id, what="course_id")
    return [d["user_id"] for d in Enrollment._get_collection().find({"course_id": oid, **ENROLLED},
                                                                    {"user_id": 1})]


def departed_user_ids(*, course_id: str | ObjectId, user_ids: list[int] | None = None) -> set[int]:
    """Learners of a course (of `user_ids`, if given) who left it: off its boards and lists."""
    query: dict = {"course_id": object_id_parse(course_id, what="course_id"),
                   "left_at": {"$ne": None}}
    if user_ids is not None:
        query["user_id"] = user_ids[0] if len(user_ids) == 1 else {"$in": list(user_ids)}
    return {d["user_id"] for d in Enrollment._get_collection().find(query, {"user_id": 1})}


def enrollments_of_learner(*, user_id: int, limit: int, offset: int) -> dict:
    """A page of a learner's enrollments in force, newest first, and their count (two reads)."""
    collection = Enrollment._get_collection()
    query = {"user_id": user_id, **ENROLLED}
    cursor = (collection.find(query, {"_id": 0, "course_id": 1, "enrolled_at": 1})
              .sort([("enrolled_at", -1), ("course_id", -1)]).skip(offset).limit(limit))
    return {"count": collection.count_documents(query), "results": list(cursor)}


def courses_brief_get(*, course_ids: list[ObjectId]) -> dict[ObjectId, dict]:
    """Title, slug and published flag of many courses in one read, by id."""
    cursor = Course._get_collection().find({"_id": {"$in": list(course_ids)}},
                                           {"title": 1, "slug": 1, "published": 1})
    return {doc["_id"]: doc for doc in cursor}


def enrolled_user_ids_among(*, course_id: str | ObjectId, user_ids: list[int]) -> set[int]:
    """Which of these learners are enrolled in the course: one read by `_id`, unless this process
    found the very same learners all enrolled within ACCESS_CACHE_SECONDS and saw none leave."""
    oid = object_id_parse(course_id, what="course_id")
    named = set(user_ids)
    whole = (oid, _COURSE_LEAVES.get(oid, 0), _ids_digest(named))
    if _ALL_ENROLLED.get(whole):
        return named
    generation = _ACCESS.generation()
    enrolled = {d["user_id"] for d in Enrollment._get_collection().find(
        {"_id": {"$in": [learner_course_key(u, oid) for u in named]}, **ENROLLED},
        {"user_id": 1})}
    _ACCESS.put_many([((user_id, oid), True) for user_id in enrolled], generation=generation)
    if enrolled == named:
        # Keyed by the leaves counted before the read: one counted since retires the entry.
        _ALL_ENROLLED.put(whole, True, generation=_ALL_ENROLLED.generation())
    return enrolled


def _ids_digest(user_ids: set[int]) -> bytes:
    """A collision-resistant name for a set of learner ids (each below 2**63)."""
    return hashlib.blake2b(array("q", sorted(user_ids)).tobytes(), digest_size=16).digest()


def enrolled_course_ids(*, user_id: int) -> set[str]:
    """Ids of the courses a learner is enrolled in."""
    cursor = Enrollment._get_collection().find({"user_id": user_id, **ENROLLED}, {"course_id": 1})
    return {str(d["course_id"]) for d in cursor}


def learners_resolve(*, entries: list) -> tuple[dict[int, int], list[dict]]:
    """User ids for a list of user ids and usernames (bulk reads of 500), by row index, and an
    error per row that names no active user."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    by_id = [(i, v) for i, v in enumerate(entries) if type(v) is int and 0 < v < 2**63]
    by_name = [(i, v) for i, v in enumerate(entries) if isinstance(v, str) and 0 < len(v) <= 150]
    known: dict[object, tuple[int, bool]] = {}
    for rows, lookup in ((by_id, "pk"), (by_name, "username")):
        values = list(dict.fromkeys(v for _, v in rows))
        for start in range(0, len(values), 500):
            found = users.filter(**{f"{lookup}__in": values[start:start + 500]})
            known.update({(lookup, getattr(u, lookup)): (u.pk, u.is_active)
                          for u in found.only("pk", "username", "is_active")})
    resolved, errors = {}, []
    for rows, lookup in ((by_id, "pk"), (by_name, "username")):
        for index, value in rows:
            user = known.get((lookup, value))
            if user is None:
                errors.append({"index": index, "value": value, "code": "unknown_user",
                               "detail": f"No user {'with id' if lookup == 'pk' else 'named'} "
                                         f"{value!r}."})
            elif not user[1]:
                errors.append({"index": index, "value": value, "code": "inactive_user",
                               "detail": "This account is deactivated."})
            else:
                resolved[index] = user[0]
    listed = {i for i, _ in by_id} | {i for i, _ in by_name}
    errors += [{"index": i, "value": v if isinstance(v, str | int | float | bool) or v is None
                else None, "code": "invalid",
                "detail": "Each row is a user id (a positive integer) or a username (a string "
                          "of 1-150 characters)."}
               for i, v in enumerate(entries) if i not in listed]
    return dict(sorted(resolved.items())), errors


def profiles_get_many(*, user_ids: list[int]) -> dict[int, dict]:
    """Display name and avatar of many learners in one read; missing ones are absent."""
    if not user_ids:
        return {}
    cursor = LearnerProfile._get_collection().find(
        {"_id": {"$in": list(user_ids)}}, {"display_name": 1, "avatar_url": 1})
    return {d["_id"]: {"user_id": d.pop("_id"), **d} for d in cursor}


# Display names and avatars this process read lately: a board shows the same few learners
# around each reader. A profile changed through another process shows there after at most
# PROFILE_CACHE_SECONDS; this process forgets its copy at once (profile_cache_forget).
_PROFILES = ProcessCache("PROFILE_CACHE_SECONDS", maxsize=50_000)
_MISSING = object()


def profiles_get_cached(*, user_ids: list[int]) -> dict[int, dict]:
    """Like profiles_get_many, from this process's cache where it can (boards' hot reads)."""
    found, missing = {}, []
    for user_id, hit in zip(user_ids, _PROFILES.get_many(user_ids, _MISSING), strict=True):
        if hit is _MISSING:
            missing.append(user_id)
        elif hit is not None:
            found[user_id] = dict(hit)
    if missing:
        generation = _PROFILES.generation()
        read = profiles_get_many(user_ids=missing)
        # None: no profile (also worth keeping).
        _PROFILES.put_many([(u, read.get(u)) for u in missing], generation=generation)
        found.update(read)
    return found


def profile_cache_forget(*, user_id: int) -> None:
    """Drop this process's copy of a learner's profile (it changed or was erased)."""
    _PROFILES.forget(user_id)


def profile_cache_clear() -> None:
    """Drop every profile this process keeps (its MongoDB was emptied or replaced)."""
    _PROFILES.clear()


def profile_get(*, user_id: int) -> LearnerProfile | None:
    """One learner's profile."""
    return LearnerProfile.objects(user_id=user_id).first()


# Access this process granted lately, so hot reads (progress, boards) skip MongoDB: an
# unenrollment made through another process takes ACCESS_CACHE_SECONDS to close reads there.
# Refusals are never kept: an enrollment opens reads at once.
_ACCESS = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=100_000)
# Sets of learners found all enrolled in one read (a friends list is sent unchanged with every
# poll of a friends board): one lookup instead of a read. Keyed by course, the leaves this
# process saw in it (a leave retires the course's sets at once, at O(1) cost) and a digest of
# the ids. Refreshed from MongoDB, never from older grants, so a leave through another process
# shows within ACCESS_CACHE_SECONDS, as for reads.
_ALL_ENROLLED = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=10_000)
_COURSE_LEAVES: dict[ObjectId, int] = {}
_COURSE_LEAVES_LOCK = threading.Lock()


def course_access_check(*, user, course_id: str) -> None:
    """Staff may look at any existing course; learners only at published courses they are
    enrolled in (an unpublished one is a draft: 404, as for its detail, even to its learners)."""
    oid = object_id_parse(course_id, what="course_id")
    key = ("staff" if user.is_staff else user.pk, oid)
    if _ACCESS.get(key):
        return
    generation = _ACCESS.generation()
    visible = {"_id": oid} if user.is_staff else {"_id": oid, "published": True}
    if not Course._get_collection().count_documents(visible, limit=1):
        raise NotFound(f"Course {course_id} not found")
    if not user.is_staff and not Enrollment._get_collection().count_documents(
            {"_id": learner_course_key(user.pk, oid), **ENROLLED}, limit=1):
        raise Forbidden("You are not enrolled in this course.", code="not_enrolled")
    _ACCESS.put(key, True, generation=generation)


def course_access_forget(*, user_id: int, course_id: str | ObjectId) -> None:
    """Close this process's cached access of a learner who left the course (or was erased)."""
    oid = object_id_parse(course_id, what="course_id")
    _ACCESS.forget((user_id, oid))
    with _COURSE_LEAVES_LOCK:
        _COURSE_LEAVES[oid] = _COURSE_LEAVES.get(oid, 0) + 1


def course_access_forget_course(*, course_id: str | ObjectId) -> None:
    """Close this process's cached access of every learner of a course made a draft again (a
    scan of the cache: a rare staff action)."""
    oid = object_id_parse(course_id, what="course_id")
    _ACCESS.forget_where(lambda key, _: key[1] == oid and key[0] != "staff")


def enrollment_date_get(*, user_id: int, outline: Outline) -> datetime | None:
    """When the learner enrolled, read only if the outline's rules need it."""
    if not outline.needs_enrollment_date:
        return None
    doc = Enrollment._get_collection().find_one(
        {"_id": learner_course_key(user_id, object_id_parse(outline.course_id))},
        {"enrolled_at": 1})
    return doc["enrolled_at"] if doc else None


def enrollment_dates_get(*, course_id: str | ObjectId) -> dict[int, datetime]:
    """When each learner of a course enrolled, by user id."""
    oid = object_id_parse(course_id, what="course_id")
    cursor = Enrollment._get_collection().find({"course_id": oid, **ENROLLED},
                                               {"user_id": 1, "enrolled_at": 1})
    return {d["user_id"]: d.get("enrolled_at") for d in cursor}
