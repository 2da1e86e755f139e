"""Writes of courses: create and update a course and its outline, checked as a whole."""
from __future__ import annotations

from bson import ObjectId
from django.utils import timezone
from mongoengine.errors import NotUniqueError, SaveConditionError

from config.exceptions import Conflict, InvalidInput, PreconditionFailed
from learning.documents import (
    MAX_COURSE_MARKS,
    Course,
)
from learning.outline import (
    Outline,
    OutlineError,
    outline_from_payload,
    outline_to_document,
    outline_with_course_policies,
    payload_elements,
)
from learning.policy import REVEAL_AFTER_DUE
from learning.rules import outline_deadlock_find
from learning.selectors import (
    course_access_forget_course,
    course_get,
    course_outline_of,
    object_id_parse,
)


def course_create(*, data: dict, created_by: int) -> Course:
    """Create a course and its whole outline from validated data."""
    if any("id" in element for element in payload_elements(data.get("sections", []))):
        raise InvalidInput("A new course cannot reuse ids; leave them out.", code="unexpected_id")
    course = Course(title=data["title"], slug=data["slug"],
                    description=data.get("description", ""),
                    unlock_mode=data.get("unlock_mode", "sequential"),
                    published=data.get("published", False), created_by=created_by,
                    attempt_policy=data.get("attempt_policy") or {},
                    grading=data.get("grading") or {}, late_policy=data.get("late_policy") or {})
    outline = _outline_checked(course, _outline_parsed(course, data.get("sections", []),
                                                       known_ids=set()))
    course.sections, course.grading = outline_to_document(outline), outline.grading
    try:
        course.save()
    except NotUniqueError as exc:
        raise Conflict(f"A course with slug '{data['slug']}' already exists.", code="slug_taken") from exc
    return course


def course_update(*, course_id: str, data: dict,
                  expected_revision: int | None = None) -> tuple[Course, bool, bool]:
    """Apply a full or partial update; return the course, whether its outline changed and
    whether it was published or unpublished.

    Sections, lessons and items sent with their `id` keep it (and the attempts made on them);
    those sent without one are new; those left out are removed. The update is stored only over
    the revision it was made from (`expected_revision`, else the one read here): a concurrent
    edit that stored first makes this one fail, changing nothing.
    """
    course = course_get(course_id=course_id)
    if expected_revision is not None and expected_revision != course.revision:
        raise PreconditionFailed(
            f"The course is at revision {course.revision}, not {expected_revision}: someone changed "
            "it since you read it. Read it again and redo your change.",
            extra={"revision": course.revision})
    read_revision, was_published = course.revision, course.published
    before = course_outline_of(course=course)
    for field in ("title", "slug", "description", "unlock_mode", "published", "attempt_policy",
                  "grading", "late_policy"):
        if field in data:
            setattr(course, field, data[field])
    if "sections" in data:
        known = {element.id for element in before.elements()}
        outline = _outline_parsed(course, data["sections"], known_ids=known)
    else:
        outline = Outline(course_id=before.course_id, unlock_mode=course.unlock_mode,
                          sections=before.sections, version=before.version,
                          attempt_policy=course.attempt_policy)
    outline = _outline_checked(course, outline)
    # What progress depends on: a change here makes every learner's progress stale.
    outline_changed = _progress_inputs(outline) != _progress_inputs(before)
    course.grading = outline.grading
    if outline_changed:
        course.outline_version += 1
        course.sections = outline_to_document(outline)
        course.fanout_pending = True
    course.updated_at = timezone.now()
    course.revision = read_revision + 1
    try:
        course.save(save_condition={"revision": read_revision})
    except NotUniqueError as exc:
        raise Conflict(f"A course with slug '{data.get('slug')}' already exists.", code="slug_taken") from exc
    except SaveConditionError as exc:
        raise Conflict("The course was changed by another edit while this one was made; read it "
                       "again and redo your change.", code="edit_conflict") from exc
    if was_published and not course.published:
        # A draft again: learners' reads close at once here, within ACCESS_CACHE_SECONDS elsewhere.
        course_access_forget_course(course_id=course.id)
    return course, outline_changed, course.published != was_published


def course_fanout_done(*, course_id: str | ObjectId, outline_version: int) -> None:
    """Clear the course's fan-out flag, unless a newer outline change set it again."""
    Course._get_collection().update_one(
        {"_id": object_id_parse(course_id), "outline_version": outline_version},
        {"$unset": {"fanout_pending": ""}})


def _progress_inputs(outline: Outline) -> tuple:
    """What every learner's progress depends on besides their attempts."""
    return (outline.unlock_mode, outline.attempt_policy, outline.grading, outline.late_policy,
            outline.sections)


def _outline_parsed(course: Course, sections: list[dict], *, known_ids: set[str]) -> Outline:
    """The outline built from API data (400 when an id or a rule is wrong)."""
    try:
        return outline_from_payload(course_id=str(course.id or ""), unlock_mode=course.unlock_mode,
                                    version=course.outline_version, sections=sections,
                                    known_ids=known_ids, attempt_policy=course.attempt_policy)
    except OutlineError as exc:
        raise InvalidInput(str(exc), code=exc.code) from exc


def _outline_checked(course: Course, outline: Outline) -> Outline:
    """The outline with the course's grading and late policy, refused (400) when they, its rules
    or its marks cannot work."""
    try:
        outline = outline_with_course_policies(outline, grading=course.grading,
                                               late_policy=course.late_policy)
    except OutlineError as exc:
        raise InvalidInput(str(exc), code=exc.code) from exc
    return _outline_check(outline)


def _outline_check(outline: Outline) -> Outline:
    """Refuse (400) an outline whose rules wait on each other or whose marks overflow a score."""
    cycle = outline_deadlock_find(outline)
    if cycle:
        path = " → ".join(f"'{title}'" for title in cycle)
        raise InvalidInput(f"These unlock rules wait on each other, so none could ever open: {path}",
                           code="rule_cycle")
    for item in outline.item_order:
        if outline.policy_index[item.id].reveal_marks == REVEAL_AFTER_DUE and not item.due_at:
            raise InvalidInput(f"item '{item.title}': its marks are shown after the due date "
                               "(reveal_marks after_due), so it needs a due_at.",
                               code="due_at_required")
    total = outline.marks_total
    if total > MAX_COURSE_MARKS:
        raise InvalidInput(
            f"The items' max_marks add up to {total:.2f}; a course may total at most "
            f"{MAX_COURSE_MARKS:.2f} marks, so that leaderboard scores stay exact "
            "(docs/leaderboard.md).", code="marks_total_too_high")
    return outline
