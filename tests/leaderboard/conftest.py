"""Fixtures for leaderboard tests: a course with graded items and attempts written straight to MongoDB."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from leaderboard.scoring import ALL_TIME, Window
from leaderboard.selectors import leaderboard_me, leaderboard_page
from leaderboard.services import leaderboard_board_rebuild
from learning.documents import ContentAttempt, Enrollment, learner_course_key
from tests.factories import item_ids, python_course_payload


@pytest.fixture
def course(staff_client) -> dict:
    """A published course; its graded items are quiz1 (10 marks), homework (20) and quiz2 (4)."""
    response = staff_client.post("/api/v1/courses/", python_course_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    video, quiz1, homework, article, quiz2 = item_ids(body)
    return {"id": body["id"], "quiz1": quiz1, "homework": homework, "quiz2": quiz2, "video": video}


@pytest.fixture
def attempt(course):
    """Store a graded attempt as the API would, without queueing derived work."""

    def make(user_id: int, item: str, marks: float | None, at: datetime, *, kind: str = "quiz") -> None:
        ContentAttempt(user_id=user_id, course_id=ObjectId(course["id"]), item_id=ObjectId(course[item]),
                       kind=kind, marks=marks, completed=marks is None, submitted_at=at).save()
        course_id = ObjectId(course["id"])
        Enrollment.objects(id=learner_course_key(user_id, course_id)).update_one(
            upsert=True, set__user_id=user_id, set__course_id=course_id, set__enrolled_at=at)

    return make


def days_ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def page_of(*, course_id: str, window: Window = ALL_TIME, **kwargs) -> dict:
    """A page of the board once it is built (built here, in this process, if missing)."""
    leaderboard_board_rebuild(course_id=course_id, window=window, only_if_missing=True)
    return leaderboard_page(course_id=course_id, window=window, **kwargs)


def me_of(*, course_id: str, window: Window = ALL_TIME, **kwargs) -> dict:
    """A learner's rank once the board is built (built here, in this process, if missing)."""
    leaderboard_board_rebuild(course_id=course_id, window=window, only_if_missing=True)
    return leaderboard_me(course_id=course_id, window=window, **kwargs)
