"""Celery tasks of the progress app."""
from __future__ import annotations

from config.task_names import RECALCULATE_COURSE, RECALCULATE_COURSE_ALL, RECALCULATE_COURSE_BATCH
from config.tasks import domain_task
from progress.services import (
    progress_recalculate,
    progress_recalculate_all,
    progress_recalculate_batch,
)


@domain_task(name=RECALCULATE_COURSE)
def recalculate_course(user_id: int, course_id: str) -> dict:
    """Recompute and store one learner's progress in one course."""
    payload = progress_recalculate(user_id=user_id, course_id=course_id)
    return {"completion_percent": payload.get("completion_percent"), "seq": payload.get("seq")}


@domain_task(name=RECALCULATE_COURSE_ALL)
def recalculate_course_all(course_id: str) -> dict:
    """Queue recalculations of every learner of a course, in batches (after an outline change)."""
    return {"learners": progress_recalculate_all(course_id=course_id)}


@domain_task(name=RECALCULATE_COURSE_BATCH)
def recalculate_course_batch(course_id: str, user_ids: list[int]) -> dict:
    """Recalculate a batch of learners of one course."""
    return {"learners": progress_recalculate_batch(course_id=course_id, user_ids=user_ids)}
