"""Changing a course outline recalculates every enrolled learner through the worker."""
from __future__ import annotations

import copy

import pytest

from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def test_adding_and_removing_items_recalculates_every_enrolled_learner(
        staff_client, make_user, client_for, celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                               format="json").json()
    cid = course["id"]
    video = item_ids(course)[0]
    learners = [client_for(make_user(f"learner{n}")) for n in range(5)]
    for client in learners:
        client.post(f"/api/v1/courses/{cid}/enroll/")
        client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": video, "completed": True},
                    format="json")

    def everyone_at(percent, version):
        bodies = [c.get(f"/api/v1/courses/{cid}/progress/").json() for c in learners]
        return all(b["completion_percent"] == percent and b["outline_version"] == version
                   and not b["pending"] and not b["stale"] for b in bodies)

    wait_until(lambda: everyone_at(20.0, 1))

    extended = copy.deepcopy(course)
    extended["sections"][1]["lessons"][0]["items"].append({"title": "Read: loops", "kind": "article"})
    response = staff_client.put(f"/api/v1/courses/{cid}/", extended, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["outline_version"] == 2
    assert item_ids(response.json())[:5] == item_ids(course)  # kept ids keep their attempts
    wait_until(lambda: everyone_at(round(100 / 6, 2), 2))

    trimmed = copy.deepcopy(response.json())
    trimmed["sections"] = trimmed["sections"][:1]  # drop the whole second section
    response = staff_client.put(f"/api/v1/courses/{cid}/", trimmed, format="json")
    assert response.status_code == 200
    wait_until(lambda: everyone_at(round(100 / 3, 2), 3))


def test_renaming_a_course_does_not_recalculate_anyone(staff_client, make_user, client_for,
                                                       celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    response = staff_client.patch(f"/api/v1/courses/{course['id']}/", {"title": "Python basics"},
                                  format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Python basics"
    assert response.json()["outline_version"] == 1
