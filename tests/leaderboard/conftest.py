"""Fixtures for leaderboard tests: a course with graded items and attempts written straight to MongoDB."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from rest_framework.test import APIClient

from leaderboard.scoring import ALL_TIME, Window
from leaderboard.selectors import leaderboard_me, leaderboard_page
from leaderboard.services import leaderboard_board_rebuild
from learning.documents import ContentAttempt, Enrollment, learner_course_key
from tests.api.conftest import token_client
from tests.conftest import wait_until
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


@dataclass
class Board:
    staff: APIClient
    course: str
    homework: str
    ids: dict[str, int]
    clients: dict[str, APIClient]

    @property
    def url(self) -> str:
        return f"/api/v1/courses/{self.course}/leaderboard/"

    def grade(self, name: str, marks: float) -> None:
        response = self.staff.post(f"/api/v1/courses/{self.course}/attempts/",
                                   {"content_id": self.homework, "user_id": self.ids[name],
                                    "marks": marks}, format="json")
        assert response.status_code == 202, response.content

    def rows(self, client: APIClient | None = None, **query) -> list[tuple]:
        response = (client or self.staff).get(self.url, query)
        assert response.status_code == 200, response.content
        return [(r["rank"], r["user_id"], r["score"]) for r in response.json()["results"]]

    def becomes(self, expected: list[tuple], **query) -> None:
        wait_until(lambda: self.rows(**query) == expected)


def course_create(staff: APIClient, slug: str) -> tuple[str, str]:
    created = staff.post("/api/v1/courses/", python_course_payload(slug=slug), format="json")
    assert created.status_code == 201, created.content
    return created.json()["id"], item_ids(created.json())[2]


@pytest.fixture
def graded_board(make_user, celery_worker) -> Board:
    """Ada 10, Bob 8, Cy 8, Dee 5 (graded homework), enrolled, on the board."""
    staff = token_client(make_user("staff", staff=True))
    course, homework = course_create(staff, "privacy")
    users = {name: make_user(name) for name in ("ada", "bob", "cy", "dee")}
    clients = {name: token_client(user) for name, user in users.items()}
    for client in clients.values():
        assert client.post(f"/api/v1/courses/{course}/enroll/").status_code == 201
    world = Board(staff, course, homework, {n: u.pk for n, u in users.items()}, clients)
    for name, marks in (("ada", 10), ("bob", 8), ("cy", 8), ("dee", 5)):
        world.grade(name, marks)
        time.sleep(1.05)  # equal points are ordered by when they were reached, to the second
    ids = world.ids
    world.becomes([(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8), (4, ids["dee"], 5)])
    return world
