"""Writes of attempts: grade, count (attempt policies), store and fold into the summary."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from pymongo.errors import DuplicateKeyError

from config.exceptions import Forbidden, InvalidInput, TooSoon
from learning.documents import (
    AttemptSummary,
    ContentAttempt,
    learner_course_key,
)
from learning.outline import ItemSpec
from learning.policy import AttemptPolicy
from learning.selectors import object_id_parse
from learning.services.corrections import attempt_fenced_archive, moment_ms


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
    `$inc` of the version tells the computations made after it from those made before. An
    attempt submitted before the summary's last reset is refused and archived with that reset.
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
    query = {"_id": learner_course_key(attempt.user_id, attempt.course_id),
             "$or": [{"reset_at": None},
                     {"reset_at": {"$lt": moment_ms(attempt.submitted_at)}}]}
    collection = AttemptSummary._get_collection()
    try:
        collection.update_one(query, update, upsert=True)
    except DuplicateKeyError:  # a concurrent merge created it a moment ago, or a reset fenced it
        if not collection.update_one(query, update).matched_count:
            attempt_fenced_archive(attempt=attempt)
