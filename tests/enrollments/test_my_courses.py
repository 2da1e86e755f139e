"""GET /me/courses/: the learner's courses with their progress totals, in a few reads per page."""
from __future__ import annotations

import pytest

from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

def _courses(staff_client, count: int) -> list[dict]:
    made = []
    for n in range(count):
        response = staff_client.post("/api/v1/courses/", python_course_payload(
            slug=f"course-{n}", unlock_mode="open"), format="json")
        assert response.status_code == 201, response.content
        made.append(response.json())
    return made


def test_a_learner_lists_their_courses_newest_first_with_progress_totals(
        staff_client, make_user, client_for, celery_worker):
    ada = client_for(make_user("ada"))
    first, second, other = _courses(staff_client, 3)
    for course in (first, second):
        assert ada.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    quiz = item_ids(first)[1]
    assert ada.post(f"/api/v1/courses/{first['id']}/attempts/",
                    {"content_id": quiz, "answers": [1, 0]}, format="json").status_code == 202

    def listed():
        body = ada.get("/api/v1/me/courses/").json()
        rows = {row["course_id"]: row for row in body["results"]}
        ready = all(row["progress"] for row in rows.values()) and \
            rows[first["id"]]["progress"]["marks_obtained"] == 10
        return body if ready else None

    body = wait_until(listed)
    assert body["count"] == 2
    assert [row["course_id"] for row in body["results"]] == [second["id"], first["id"]]
    row = body["results"][1]
    assert (row["title"], row["slug"], row["published"]) == ("Intro to Python", "course-0", True)
    assert (row["progress"]["completed_items"], row["progress"]["total_items"],
            row["progress"]["marks_total"], row["progress"]["marks_hidden"]) == (1, 5, 34, False)
    page = ada.get("/api/v1/me/courses/", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [r["course_id"] for r in page["results"]] == [first["id"]]

    assert ada.delete(f"/api/v1/courses/{first['id']}/enroll/").status_code == 204
    assert [r["course_id"] for r in ada.get("/api/v1/me/courses/").json()["results"]] == \
        [second["id"]]
    assert ada.get("/api/v1/me/courses/", {"limit": 0}).status_code == 400


def test_the_course_list_costs_the_same_reads_for_two_courses_or_eight(
        staff_client, make_user, client_for, mongo_reads):
    few, many = client_for(make_user("few")), client_for(make_user("many"))
    courses = _courses(staff_client, 8)
    for client, count in ((few, 2), (many, 8)):
        for course in courses[:count]:
            assert client.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201

    def reads(client) -> int:
        mongo_reads.clear()
        response = client.get("/api/v1/me/courses/")
        assert response.status_code == 200
        assert len(response.json()["results"]) in (2, 8)
        return sum(mongo_reads.values())

    assert reads(few) == reads(many) <= 4
