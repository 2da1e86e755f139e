"""Writes behind the admin's MongoDB pages: course edits through the API's rules, task actions."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from api.learning.serializers import CourseWriteSerializer
from config.exceptions import InvalidInput
from flows.courses import course_change
from leaderboard.services import leaderboard_rebuild_request
from learning import services as learning_services
from learning.documents import Course
from learning.selectors import course_get
from progress.services import progress_recalculate_all_request

logger = logging.getLogger(__name__)

# action name → (label shown in the admin, the request function that queues the task)
COURSE_ACTIONS = {
    "rebuild_leaderboard": ("Rebuild leaderboard", leaderboard_rebuild_request),
    "recalculate_progress": ("Recalculate progress for all learners",
                             progress_recalculate_all_request),
}


class OutlineInvalid(Exception):
    """The serializer refused the data; `errors` is DRF's error structure."""

    def __init__(self, errors: dict):
        super().__init__("invalid course data")
        self.errors = errors


@dataclass(frozen=True)
class ActionOutcome:
    course_id: str
    course_title: str
    label: str
    # None when the broker was unreachable and the task was parked for the pending sweep.
    task_id: str | None


def course_data_validate(*, data: dict) -> dict:
    """Validate course data with the API's serializer; raise OutlineInvalid with its errors."""
    serializer = CourseWriteSerializer(data=data)
    if not serializer.is_valid():
        raise OutlineInvalid(serializer.errors)
    return serializer.validated_data


def course_save(*, course_id: str | None, data: dict, user_id: int) -> Course:
    """Create or update a course exactly as the API does (same serializer, same service)."""
    validated = course_data_validate(data=data)
    if course_id is None:
        course = learning_services.course_create(data=validated, created_by=user_id)
    else:
        course = course_change(course_id=course_id, data=validated)
    logger.info("admin user=%s saved course=%s outline_version=%s", user_id, course.id,
                course.outline_version)
    return course


def course_action_run(*, action: str, course_ids: list[str], user_id: int) -> list[ActionOutcome]:
    """Queue one task per selected course; every course must exist before anything is queued."""
    if action not in COURSE_ACTIONS:
        raise InvalidInput(f"Unknown action '{action}'.", code="unknown_action")
    if not course_ids:
        raise InvalidInput("Select at least one course.", code="nothing_selected")
    label, request_task = COURSE_ACTIONS[action]
    courses = [course_get(course_id=course_id) for course_id in course_ids]
    outcomes = []
    for course in courses:
        task_id = request_task(course_id=str(course.id))
        logger.info("admin user=%s queued %s course=%s task=%s", user_id, action, course.id, task_id)
        outcomes.append(ActionOutcome(str(course.id), course.title, label, task_id))
    return outcomes
