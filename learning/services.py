"""Writes of the learning domain: courses, learners, enrollments and attempts."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import redis.exceptions
from bson import ObjectId
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from mongoengine.errors import NotUniqueError
from pymongo.errors import PyMongoError

from analytics.services import activity_log_request
from config.exceptions import Conflict, Forbidden, InvalidInput, Locked, NotFound
from config.metrics import ATTEMPTS_ACCEPTED, metric_inc
from leaderboard.scoring import MAX_POINTS
from leaderboard.services import leaderboard_rebuild_request, leaderboard_update_request
from learning.documents import (
    ContentAttempt,
    Course,
    Enrollment,
    Item,
    LearnerProfile,
    Lesson,
    Question,
    Section,
)
from learning.selectors import (
    course_get,
    course_outline_of,
    enrollment_get,
    object_id_parse,
    outline_from_raw,
)
from learning.summaries import attempt_summary_record
from progress.rules import RuleError, outline_deadlock_find, rule_normalize
from progress.selectors import item_lock_get
from progress.services import progress_outline_changed, progress_recalculation_request

logger = logging.getLogger(__name__)

_OUTLINE_FIELDS = ("sections", "unlock_mode")
# A stored attempt's follow-up failing on these leaves it to the sweep instead of failing the request.
FOLLOW_UP_ERRORS = (PyMongoError, redis.exceptions.RedisError)


# --- Courses ------------------------------------------------------------------------------------

def course_create(*, data: dict, created_by: int) -> Course:
    """Create a course and its whole outline from validated data."""
    if any("id" in e for e in _outline_elements(data.get("sections", []))):
        raise InvalidInput("A new course cannot reuse ids; leave them out.", code="unexpected_id")
    course = Course(
        title=data["title"], slug=data["slug"], description=data.get("description", ""),
        unlock_mode=data.get("unlock_mode", "sequential"), published=data.get("published", False),
        sections=_sections_build(data.get("sections", []), existing_ids=set()),
        created_by=created_by,
    )
    _rules_check(course)
    _marks_total_check(course)
    try:
        course.save()
    except NotUniqueError as exc:
        raise Conflict(f"A course with slug '{data['slug']}' already exists.", code="slug_taken") from exc
    return course


def course_update(*, course_id: str, data: dict) -> Course:
    """Apply a full or partial update; an outline change recalculates every enrolled learner.

    Sections, lessons and items sent with their `id` keep it (and the attempts made on them);
    those sent without one are new; those left out are removed.
    """
    course = course_get(course_id=course_id)
    before = _outline_signature(course)
    for field in ("title", "slug", "description", "unlock_mode", "published"):
        if field in data:
            setattr(course, field, data[field])
    if "sections" in data:
        existing = {str(e.id) for e in _course_elements(course)}
        course.sections = _sections_build(data["sections"], existing_ids=existing)
    _rules_check(course)
    _marks_total_check(course)
    outline_changed = _outline_signature(course) != before
    if outline_changed:
        course.outline_version += 1
    course.updated_at = timezone.now()
    try:
        course.save()
    except NotUniqueError as exc:
        raise Conflict(f"A course with slug '{data.get('slug')}' already exists.", code="slug_taken") from exc
    if outline_changed:
        progress_outline_changed(course_id=str(course.id))
        leaderboard_rebuild_request(course_id=str(course.id))
    return course


def _sections_build(sections: list[dict], *, existing_ids: set[str]) -> list[Section]:
    """Turn validated outline data into embedded documents, checking reused ids."""
    for element in _outline_elements(sections):
        if "id" in element and element["id"].lower() not in existing_ids:
            raise InvalidInput(f"Unknown id {element['id']}: ids must belong to this course.",
                               code="unknown_id")
    return [
        Section(
            **_ids(section), title=section["title"], rules=section.get("rules") or {},
            lessons=[
                Lesson(**_ids(lesson), title=lesson["title"], rules=lesson.get("rules") or {},
                       items=[_item_build(item) for item in lesson.get("items", [])])
                for lesson in section.get("lessons", [])
            ],
        )
        for section in sections
    ]


def _item_build(item: dict) -> Item:
    return Item(
        **_ids(item), title=item["title"], kind=item["kind"],
        max_marks=item.get("max_marks", 0.0), pass_marks=item.get("pass_marks"),
        optional=item.get("optional", False), rules=item.get("rules") or {},
        questions=[Question(**q) for q in item.get("questions", [])],
    )


def _rules_check(course: Course) -> None:
    """Normalise every rule (references become ids) and refuse unknown refs and deadlocks."""
    elements = list(_course_elements(course))
    refs = {str(e.id): str(e.id) for e in elements}
    refs.update({e.key: str(e.id) for e in elements if e.key})
    uses_days = False
    for element in elements:
        where = f"{type(element).__name__.lower()} '{element.title}'"
        try:
            element.rules = rule_normalize(element.rules, resolve=refs.get, where=where)
        except RuleError as exc:
            raise InvalidInput(str(exc), code="invalid_rule") from exc
        uses_days = uses_days or "available_after_days" in json.dumps(element.rules)
    course.uses_enrollment_date = uses_days
    cycle = outline_deadlock_find(outline_from_raw(course.to_mongo()))
    if cycle:
        path = " → ".join(f"'{title}'" for title in cycle)
        raise InvalidInput(f"These unlock rules wait on each other, so none could ever open: {path}",
                           code="rule_cycle")


def _marks_total_check(course: Course) -> None:
    """Refuse outlines whose marks add up past what a leaderboard score holds exactly."""
    total = sum(item.max_marks for section in course.sections for lesson in section.lessons
                for item in lesson.items)
    if total > MAX_POINTS:
        raise InvalidInput(
            f"The items' max_marks add up to {total:.2f}; a course may total at most {MAX_POINTS:.2f} "
            "marks, so that leaderboard scores stay exact (docs/leaderboard.md).",
            code="marks_total_too_high")


def _ids(element: dict) -> dict:
    ids = {}
    if "id" in element:
        ids["id"] = ObjectId(element["id"])
    if element.get("key"):
        ids["key"] = element["key"]
    return ids


def _outline_elements(sections: list[dict]):
    for section in sections:
        yield section
        for lesson in section.get("lessons", []):
            yield lesson
            yield from lesson.get("items", [])


def _course_elements(course: Course):
    for section in course.sections:
        yield section
        for lesson in section.lessons:
            yield lesson
            yield from lesson.items


def _outline_signature(course: Course) -> object:
    """What progress depends on: a change here makes every learner's progress stale."""
    return (course.unlock_mode, [s.to_mongo().to_dict() for s in course.sections])


def item_find(course: Course, item_id: str) -> Item:
    """The item of the course with this id, or NotFound naming it."""
    oid = object_id_parse(item_id, what="content_id")
    for section in course.sections:
        for lesson in section.lessons:
            for item in lesson.items:
                if item.id == oid:
                    return item
    raise NotFound(f"Item {item_id} is not part of this course.", code="unknown_item")


# --- Learners -----------------------------------------------------------------------------------

def user_create(*, username: str, password: str, display_name: str, avatar_url: str = "",
                is_staff: bool = False) -> AbstractBaseUser:
    """Create a Django user and their learner profile."""
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_staff=is_staff)
    except IntegrityError as exc:
        raise Conflict(f"Username '{username}' is taken.", code="username_taken") from exc
    profile_upsert(user_id=user.pk, display_name=display_name, avatar_url=avatar_url)
    return user


def profile_upsert(*, user_id: int, display_name: str, avatar_url: str = "") -> None:
    """Create or update the public profile shown on leaderboards."""
    LearnerProfile.objects(user_id=user_id).update_one(
        set__display_name=display_name, set__avatar_url=avatar_url or "", upsert=True)


# --- Enrollment ---------------------------------------------------------------------------------

def enrollment_create(*, user: AbstractBaseUser, course_id: str) -> tuple[Enrollment, bool]:
    """Enroll the learner; return the enrollment and whether it is new."""
    course = course_get(course_id=course_id)
    if not course.published and not user.is_staff:
        raise NotFound(f"Course {course_id} not found")
    existing = enrollment_get(user_id=user.pk, course_id=course.id)
    if existing is not None:
        return existing, False
    try:
        enrollment = Enrollment(user_id=user.pk, course_id=course.id)
        enrollment.save()
    except NotUniqueError:  # a concurrent request enrolled first
        return enrollment_get(user_id=user.pk, course_id=course.id), False
    activity_log_request(user_id=user.pk, verb="enrolled", course_id=str(course.id))
    progress_recalculation_request(user_id=user.pk, course_id=str(course.id))
    return enrollment, True


# --- Attempts -----------------------------------------------------------------------------------

def attempt_submit(*, actor: AbstractBaseUser, course_id: str, data: dict) -> ContentAttempt:
    """Validate and store one attempt, then queue progress, leaderboard and activity work."""
    course = course_get(course_id=course_id)
    if not course.published and not actor.is_staff:
        raise NotFound(f"Course {course_id} not found")
    item = item_find(course, data["content_id"])
    if item.kind == "assignment":
        learner_id, marks = _assignment_grade(actor, item, data)
        completed = False
        answers: list = []
    else:
        if data.get("user_id") not in (None, actor.pk) or "marks" in data:
            raise Forbidden("Only assignments are graded by staff on behalf of a learner; "
                            "send your own attempt without user_id or marks.", code="not_allowed")
        learner_id = actor.pk
        marks, completed, answers = _learner_attempt(item, data)
    if enrollment_get(user_id=learner_id, course_id=course.id) is None:
        who = "You are" if learner_id == actor.pk else f"User {learner_id} is"
        raise Forbidden(f"{who} not enrolled in this course.", code="not_enrolled")
    if learner_id == actor.pk and not actor.is_staff:
        locked = item_lock_get(user_id=learner_id, outline=course_outline_of(course=course),
                               item_id=str(item.id))
        if locked is not None:
            raise Locked(f"'{item.title}' is locked: {locked['reason']}", extra={"locked": locked})
    attempt = ContentAttempt(user_id=learner_id, course_id=course.id, item_id=item.id,
                             kind=item.kind, marks=marks, completed=completed, answers=answers,
                             graded_by=actor.pk if item.kind == "assignment" else None,
                             followup_pending=True)
    attempt.save()
    metric_inc(metric=ATTEMPTS_ACCEPTED, labels={"kind": item.kind})
    try:
        _attempt_follow_up(attempt)
    except FOLLOW_UP_ERRORS as exc:
        # The attempt is stored, which is what 202 promises; its flag is still set, so the
        # sweep finishes the rest once MongoDB answers again.
        logger.warning("attempt %s stored, follow-up left to the sweep: %s", attempt.id, exc)
    return attempt


def _attempt_follow_up(attempt: ContentAttempt) -> None:
    """Fold the stored attempt into its summary and queue what it changes, then mark it done.

    Every step is idempotent, so the sweep can redo all of them for an attempt whose request
    died half-way (the flag is still set).
    """
    attempt_summary_record(attempt=attempt)
    course_id, user_id = str(attempt.course_id), attempt.user_id
    progress_recalculation_request(user_id=user_id, course_id=course_id)
    if attempt.marks is not None:
        leaderboard_update_request(course_id=course_id, user_id=user_id)
    activity_log_request(user_id=user_id, verb="attempted", course_id=course_id,
                         item_id=str(attempt.item_id), event_id=f"attempt:{attempt.id}",
                         occurred_at=attempt.submitted_at,
                         data={"attempt_id": str(attempt.id), "kind": attempt.kind,
                               "marks": attempt.marks, "completed": attempt.completed})
    ContentAttempt._get_collection().update_one({"_id": attempt.id},
                                                {"$unset": {"followup_pending": ""}})


def attempt_followups_repair(*, older_than_seconds: int = 30, limit: int = 1000) -> int:
    """Finish attempts whose request died between storing them and queueing their work."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    repaired = 0
    for attempt in ContentAttempt.objects(followup_pending=True,
                                          submitted_at__lt=cutoff).order_by("submitted_at").limit(limit):
        try:
            _attempt_follow_up(attempt)
        except FOLLOW_UP_ERRORS as exc:  # the next sweep tries again; the others go on
            logger.warning("attempt %s: follow-up failed again: %s", attempt.id, exc)
            continue
        repaired += 1
    if repaired:
        logger.warning("repaired %d attempt(s) left half-recorded by a failed request", repaired)
    return repaired


def _learner_attempt(item: Item, data: dict) -> tuple[float | None, bool, list]:
    """Marks, completion and answers of a learner's own video/article/quiz attempt."""
    if item.kind in ("video", "article"):
        if data.get("completed") is not True:
            raise InvalidInput(f"A {item.kind} attempt needs {{\"completed\": true}}.",
                               code="completed_required")
        return None, True, []
    answers = data.get("answers")
    if answers is None:
        raise InvalidInput("A quiz attempt needs 'answers': one choice index per question.",
                           code="answers_required")
    if len(answers) != len(item.questions):
        raise InvalidInput(f"This quiz has {len(item.questions)} questions; "
                           f"{len(answers)} answers were sent.", code="answers_count")
    for number, (answer, question) in enumerate(zip(answers, item.questions, strict=True), 1):
        if answer is not None and answer >= len(question.choices):
            raise InvalidInput(f"Answer {number} is not one of its {len(question.choices)} choices.",
                               code="answer_out_of_range")
    marks = sum(q.marks for a, q in zip(answers, item.questions, strict=True) if a == q.answer)
    return round(marks, 2), False, answers


def _assignment_grade(actor: AbstractBaseUser, item: Item, data: dict) -> tuple[int, float]:
    """The learner and marks of a staff grade on an assignment."""
    if not actor.is_staff:
        raise Forbidden("Assignments are graded by staff.", code="staff_only")
    if data.get("user_id") is None or data.get("marks") is None:
        raise InvalidInput("Grading an assignment needs 'user_id' and 'marks'.",
                           code="grade_fields_required")
    marks = data["marks"]
    if marks > item.max_marks:
        raise InvalidInput(f"marks {marks:g} exceed this assignment's max_marks {item.max_marks:g}.",
                           code="marks_out_of_range")
    return data["user_id"], round(marks, 2)
