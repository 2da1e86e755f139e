"""A course with two enrolled learners (token clients) and staff, for staff corrections."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import token_client
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

# Everything graded counts (the quizzes and the homework), pass at 50%.
GRADING = {"categories": [{"name": "Work", "kinds": ["quiz", "assignment"], "weight": 100}],
           "pass_percent": 50}


@dataclass
class World:
    staff: APIClient
    staff_id: int
    ada: APIClient
    ada_id: int
    bob: APIClient
    bob_id: int
    course_id: str
    video: str
    quiz1: str  # 2 questions, 5 marks each, pass_marks 6
    homework: str  # assignment, max 20, pass_marks 10
    article: str
    quiz2: str  # 1 question, 4 marks

    @property
    def course(self) -> str:
        return f"/api/v1/courses/{self.course_id}/"

    def attempt(self, client: APIClient, body: dict) -> dict:
        response = client.post(self.course + "attempts/", body, format="json")
        assert response.status_code == 202, response.content
        return response.json()

    def quiz1_attempt(self, client: APIClient, *, right: int) -> dict:
        """Quiz 1 with `right` of its two answers right (5 marks each)."""
        return self.attempt(client, {"content_id": self.quiz1,
                                     "answers": {2: [1, 0], 1: [1, 1], 0: [0, 1]}[right]})

    def grade(self, user_id: int, marks: float) -> dict:
        return self.attempt(self.staff, {"content_id": self.homework, "user_id": user_id,
                                         "marks": marks})

    def progress(self, client: APIClient, **query) -> dict:
        response = client.get(self.course + "progress/", query)
        assert response.status_code == 200, response.content
        return response.json()

    def settled(self, client: APIClient, check: Callable[[dict], bool], **query) -> dict:
        """The progress once nothing is pending and `check` holds."""
        def ready():
            body = self.progress(client, **query)
            return body if not body["pending"] and check(body) else None
        return wait_until(ready)

    def board(self, *, window: str = "all") -> list[tuple[int, float]]:
        response = self.staff.get(self.course + "leaderboard/", {"window": window})
        assert response.status_code == 200, response.content
        return [(row["user_id"], row["score"]) for row in response.json()["results"]]

    def board_becomes(self, expected: list[tuple[int, float]], *, window: str = "all"):
        return wait_until(lambda: self.board(window=window) == expected)


@pytest.fixture
def world(make_user, celery_worker) -> World:
    staff, ada, bob = make_user("staff", staff=True), make_user("ada"), make_user("bob")
    staff_client = token_client(staff)
    payload = {**python_course_payload(unlock_mode="open"), "grading": GRADING}
    created = staff_client.post("/api/v1/courses/", payload, format="json")
    assert created.status_code == 201, created.content
    course = created.json()
    clients = {user.pk: token_client(user) for user in (ada, bob)}
    for client in clients.values():
        assert client.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    return World(staff_client, staff.pk, clients[ada.pk], ada.pk, clients[bob.pk], bob.pk,
                 course["id"], *item_ids(course))
