"""Writes of the learning domain: courses, learners, enrollments, attempts and their summaries.

Only the catalogue's own records: what follows from them (progress, boards, activity) is
queued by the flows (flows/), which call these services first.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from mongoengine.errors import NotUniqueError, SaveConditionError
from pymongo.errors import DuplicateKeyError

from config.exceptions import Conflict, Forbidden, InvalidInput, PreconditionFailed, TooSoon
from learning.documents import (
    MAX_COURSE_MARKS,
    AttemptSummary,
    ContentAttempt,
    Course,
    Enrollment,
    LearnerProfile,
    learner_course_key,
)
from learning.outline import (
    ItemSpec,
    Outline,
    OutlineError,
    outline_from_payload,
    outline_to_document,
    outline_with_course_policies,
    payload_elements,
)
from learning.policy import REVEAL_AFTER_DUE, AttemptPolicy
from learning.rules import outline_deadlock_find
from learning.selectors import course_get, course_outline_of, enrollment_get, object_id_parse

# --- Courses ------------------------------------------------------------------------------------

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
                  expected_revision: int | None = None) -> tuple[Course, bool]:
    """Apply a full or partial update; return the course and whether its outline changed.

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
    read_revision = course.revision
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
    return course, outline_changed


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


# --- Learners -----------------------------------------------------------------------------------

def user_create(*, username: str, password: str, display_name: str, avatar_url: str = "",
                is_staff: bool = False) -> AbstractBaseUser:
    """Create a Django user and their learner profile; the password must pass the validators."""
    User = get_user_model()
    password_check(password=password, username=username)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, password=password, is_staff=is_staff)
    except IntegrityError as exc:
        raise Conflict(f"Username '{username}' is taken.", code="username_taken") from exc
    profile_upsert(user_id=user.pk, display_name=display_name, avatar_url=avatar_url)
    return user


def password_check(*, password: str, username: str) -> None:
    """Refuse (400, naming each failed rule) a password Django's validators refuse."""
    try:
        validate_password(password, user=get_user_model()(username=username))
    except ValidationError as exc:
        raise InvalidInput("password: " + " ".join(exc.messages), code="password_invalid",
                           extra={"password": exc.messages}) from exc


def profile_upsert(*, user_id: int, display_name: str, avatar_url: str = "") -> None:
    """Create or update the public profile shown on leaderboards."""
    LearnerProfile.objects(user_id=user_id).update_one(
        set__display_name=display_name, set__avatar_url=avatar_url or "", upsert=True)


# --- Enrollment ---------------------------------------------------------------------------------

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


# --- Attempts -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GradedAttempt:
    """An attempt checked against its item, before it is stored."""

    learner_id: int
    marks: float | None
    completed: bool
    answers: list
    graded_by: int | None
    late: bool = False
    penalty_percent: float = 0.0
    raw_marks: float | None = None

    def late_as(self, *, penalty_percent: float) -> GradedAttempt:
        """This attempt made late: marks reduced by `penalty_percent`, the earned ones kept."""
        marks = None if self.marks is None else round(self.marks * (1 - penalty_percent / 100), 2)
        return replace(self, late=True, penalty_percent=penalty_percent, raw_marks=self.marks,
                       marks=marks)


def attempt_grade(*, actor: AbstractBaseUser, item: ItemSpec, data: dict) -> GradedAttempt:
    """Check an attempt's fields against its item and grade it (quizzes on the server)."""
    if item.kind == "assignment":
        learner_id, marks = _assignment_grade(actor, item, data)
        return GradedAttempt(learner_id, marks, False, [], graded_by=actor.pk)
    if data.get("user_id") not in (None, actor.pk) or "marks" in data:
        raise Forbidden("Only assignments are graded by staff on behalf of a learner; "
                        "send your own attempt without user_id or marks.", code="not_allowed")
    if item.kind in ("video", "article"):
        if data.get("completed") is not True:
            raise InvalidInput(f"A {item.kind} attempt needs {{\"completed\": true}}.",
                               code="completed_required")
        return GradedAttempt(actor.pk, None, True, [], graded_by=None)
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
    return GradedAttempt(actor.pk, round(marks, 2), False, list(answers), graded_by=None)


def _assignment_grade(actor: AbstractBaseUser, item: ItemSpec, data: dict) -> tuple[int, float]:
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


def attempt_slot_take(*, user_id: int, course_id: str | ObjectId, item: ItemSpec,
                      policy: AttemptPolicy, now: datetime) -> None:
    """Count one attempt at the item for the learner, atomically refusing it when the policy's
    attempts are used up (403 `max_attempts_reached`) or its cooldown has not passed (429
    `attempt_cooldown`). Concurrent requests cannot both take the last attempt."""
    oid = object_id_parse(course_id, what="course_id")
    count_field, last_field = f"attempt_counts.{item.id}", f"last_attempt_at.{item.id}"
    conditions: list[dict] = []
    if policy.max_attempts is not None:
        conditions.append({"$or": [{count_field: {"$lt": policy.max_attempts}},
                                   {count_field: {"$exists": False}}]})
    if policy.cooldown_seconds:
        ready_before = now - timedelta(seconds=policy.cooldown_seconds)
        conditions.append({"$or": [{last_field: {"$lte": ready_before}},
                                   {last_field: {"$exists": False}}]})
    query: dict = {"_id": learner_course_key(user_id, oid)}
    if conditions:
        query["$and"] = conditions
    update = {"$inc": {count_field: 1}, "$set": {last_field: now},
              "$setOnInsert": {"user_id": user_id, "course_id": oid}}
    try:
        AttemptSummary._get_collection().update_one(query, update, upsert=True)
    except DuplicateKeyError:  # the summary exists and a condition failed: say which
        _attempt_refusal_raise(user_id=user_id, course_oid=oid, item=item, policy=policy, now=now)


def _attempt_refusal_raise(*, user_id: int, course_oid: ObjectId, item: ItemSpec,
                           policy: AttemptPolicy, now: datetime) -> None:
    doc = AttemptSummary._get_collection().find_one(
        {"_id": learner_course_key(user_id, course_oid)},
        {f"attempt_counts.{item.id}": 1, f"last_attempt_at.{item.id}": 1}) or {}
    used = (doc.get("attempt_counts") or {}).get(item.id, 0)
    if policy.max_attempts is not None and used >= policy.max_attempts:
        raise Forbidden(f"'{item.title}' allows {policy.max_attempts} attempt(s); all are used.",
                        code="max_attempts_reached",
                        extra={"max_attempts": policy.max_attempts, "attempts_used": used})
    last = (doc.get("last_attempt_at") or {}).get(item.id)
    if last is not None and timezone.is_naive(last):
        last = timezone.make_aware(last, UTC)
    wait = policy.cooldown_seconds - int((now - last).total_seconds()) if last else 0
    raise TooSoon(f"'{item.title}' can be attempted again in {max(wait, 1)} s.",
                  retry_after=max(wait, 1))


def attempt_store(*, course_id: str | ObjectId, item: ItemSpec, graded: GradedAttempt) -> ContentAttempt:
    """Store a graded attempt, flagged until its follow-up is done (flows.attempts)."""
    attempt = ContentAttempt(user_id=graded.learner_id, course_id=object_id_parse(course_id),
                             item_id=ObjectId(item.id), kind=item.kind, marks=graded.marks,
                             completed=graded.completed, answers=graded.answers,
                             graded_by=graded.graded_by, late=graded.late,
                             penalty_percent=graded.penalty_percent, raw_marks=graded.raw_marks,
                             followup_pending=True)
    attempt.save()
    return attempt


def attempt_followup_done(*, attempt_id: ObjectId) -> None:
    """Clear the attempt's flag: its summary merge and derived work are done."""
    ContentAttempt._get_collection().update_one({"_id": attempt_id},
                                                {"$unset": {"followup_pending": ""}})


def attempt_summary_merge(*, attempt: ContentAttempt) -> None:
    """Raise the learner's summary to cover one stored attempt (creating it if needed).

    `$max` and `$addToSet` never lower what is stored, so concurrent merges and repeats are safe;
    `$inc` of the version tells the computations made after it from those made before.
    """
    item_id = str(attempt.item_id)
    update: dict = {
        "$inc": {"version": 1},
        "$set": {"changed_at": timezone.now()},
        "$setOnInsert": {"user_id": attempt.user_id, "course_id": attempt.course_id},
    }
    if attempt.marks is not None:
        update["$max"] = {f"best_marks.{item_id}": float(attempt.marks)}
    added = {}
    if attempt.completed:
        added["done_items"] = item_id
    if attempt.late:
        added["late_items"] = item_id
    if added:
        update["$addToSet"] = added
    key = learner_course_key(attempt.user_id, attempt.course_id)
    collection = AttemptSummary._get_collection()
    try:
        collection.update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:  # a concurrent merge created it a moment ago
        collection.update_one({"_id": key}, update)
