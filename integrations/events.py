"""The events we emit, each recorded in the outbox with its cause (the flows call these)."""
from __future__ import annotations

from datetime import UTC, datetime

from config.dispatch import DispatchBatch
from integrations.services import event_record_request
from learning.documents import ContentAttempt, Enrollment


def iso(when: datetime) -> str:
    """A moment as ISO 8601 UTC with a Z (naive moments read from MongoDB are UTC)."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def attempt_accepted_record(*, attempt: ContentAttempt, batch: DispatchBatch) -> None:
    """attempt.accepted (and, when RECORD_EVENT finds the attempt completes its item, the
    learner's first item.completed for it)."""
    event_record_request(
        type="attempt.accepted", key=f"attempt.accepted:{attempt.id}",
        occurred_at=attempt.submitted_at, batch=batch,
        data={"attempt_id": str(attempt.id), "user_id": attempt.user_id,
              "course_id": str(attempt.course_id), "item_id": str(attempt.item_id),
              "kind": attempt.kind, "marks": attempt.marks, "completed": attempt.completed,
              "late": attempt.late, "graded_by": attempt.graded_by,
              "submitted_at": iso(attempt.submitted_at)})


def enrollment_created_record(*, enrollment: Enrollment, batch: DispatchBatch) -> None:
    """enrollment.created, sent with the enrollment's other follow-ups (in `batch`)."""
    event_record_request(
        type="enrollment.created", key=f"enrollment.created:{enrollment.id}",
        occurred_at=enrollment.enrolled_at, batch=batch,
        data={"enrollment_id": str(enrollment.id), "user_id": enrollment.user_id,
              "course_id": str(enrollment.course_id), "enrolled_at": iso(enrollment.enrolled_at)})


def course_completed_record(*, user_id: int, course_id: str, completed_at: datetime) -> bool:
    # The moment is part of the key: after a reset, completing the course again is a new event.
    return event_record_request(
        type="course.completed", key=f"course.completed:{user_id}:{course_id}:{iso(completed_at)}",
        occurred_at=completed_at,
        data={"user_id": user_id, "course_id": course_id, "completed_at": iso(completed_at)})


def course_passed_record(*, user_id: int, course_id: str, passed_at: datetime,
                         grade_percent: float | None) -> bool:
    return event_record_request(
        type="course.passed", key=f"course.passed:{user_id}:{course_id}:{iso(passed_at)}",
        occurred_at=passed_at,
        data={"user_id": user_id, "course_id": course_id, "passed_at": iso(passed_at),
              "grade_percent": grade_percent})


def rank_changed_record(*, course_id: str, user_id: int, change: str, rank: int | None,
                        top_n: int, order: str, at: datetime) -> bool:
    """leaderboard.rank_changed: the learner entered (`entered`) or left (`left`) the top N."""
    return event_record_request(
        type="leaderboard.rank_changed",
        key=f"leaderboard.rank_changed:{course_id}:{user_id}:{change}:{order}", occurred_at=at,
        data={"course_id": course_id, "user_id": user_id, "change": change, "rank": rank,
              "top_n": top_n})
