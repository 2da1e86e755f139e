"""A course's marks must fit a leaderboard score exactly; larger outlines are refused."""
from __future__ import annotations

import pytest

from leaderboard.scoring import MAX_POINTS
from learning.documents import Course
from tests.factories import python_course_payload

pytestmark = pytest.mark.django_db


def course_with_homework_marks(marks: float) -> dict:
    payload = python_course_payload()
    homework = payload["sections"][0]["lessons"][0]["items"][2]
    homework.update(max_marks=marks, pass_marks=1)
    return payload


def test_a_course_whose_marks_exceed_the_leaderboard_limit_is_refused(staff_client):
    response = staff_client.post("/api/v1/courses/", course_with_homework_marks(MAX_POINTS),
                                 format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "marks_total_too_high"
    assert "at most 41943.03 marks" in response.json()["detail"]
    assert Course.objects.count() == 0


def test_a_course_at_the_limit_is_accepted(staff_client):
    other_marks = 10 + 4  # the two quizzes
    response = staff_client.post("/api/v1/courses/",
                                 course_with_homework_marks(round(MAX_POINTS - other_marks, 2)),
                                 format="json")
    assert response.status_code == 201, response.json()


def test_an_update_that_would_exceed_the_limit_leaves_the_course_unchanged(staff_client):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    course["sections"][0]["lessons"][0]["items"][2]["max_marks"] = MAX_POINTS
    response = staff_client.put(f"/api/v1/courses/{course['id']}/", course, format="json")
    assert response.status_code == 400 and response.json()["code"] == "marks_total_too_high"
    stored = staff_client.get(f"/api/v1/courses/{course['id']}/").json()
    assert stored["sections"][0]["lessons"][0]["items"][2]["max_marks"] == 20
