"""`6650F0C2…` and `6650f0c2…` are one course: one set of Redis keys, one answer, never stale."""
from __future__ import annotations

import pytest

from config.redis import redis_client
from flows.consistency import consistency_check
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


def test_an_upper_case_course_id_reads_and_writes_the_same_keys_as_the_lower_case_one(
        staff_client, make_user, client_for, celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                               format="json").json()
    lower, upper = course["id"], course["id"].upper()
    assert lower != upper
    learner = client_for(make_user("ada"))
    assert learner.post(f"/api/v1/courses/{upper}/enroll/").status_code == 201
    assert learner.post(f"/api/v1/courses/{lower}/enroll/").status_code == 200  # the same enrollment
    quiz = item_ids(course)[1]
    accepted = learner.post(f"/api/v1/courses/{upper}/attempts/",
                            {"content_id": quiz.upper(), "answers": [1, 1]}, format="json")
    assert accepted.status_code == 202
    assert accepted.json()["course_id"] == lower and accepted.json()["content_id"] == quiz

    def settled(course_id: str):
        body = learner.get(f"/api/v1/courses/{course_id}/progress/").json()
        return body if not body["pending"] and body["marks_obtained"] == 5 else None

    assert wait_until(lambda: settled(upper))["course_id"] == lower
    def board_shown():  # the first read finds no board and has a worker build it
        body = learner.get(f"/api/v1/courses/{upper}/leaderboard/").json()
        return None if body["rebuilding"] else body

    board = wait_until(board_shown)
    assert board["course_id"] == lower and [e["score"] for e in board["results"]] == [5]

    # A later attempt through the lower-case URL shows through the upper-case one at once.
    learner.post(f"/api/v1/courses/{lower}/attempts/", {"content_id": quiz, "answers": [1, 0]},
                 format="json")
    wait_until(lambda: learner.get(f"/api/v1/courses/{upper}/progress/").json()["marks_obtained"] == 10)
    wait_until(lambda: learner.get(f"/api/v1/courses/{upper}/leaderboard/me/").json()["score"] == 10)

    # Derived data under either spelling equals a fresh computation (the week board once read).
    learner.get(f"/api/v1/courses/{upper}/leaderboard/?window=week")
    wait_until(lambda: consistency_check(course_ids=[upper]).ok)

    keys = [key.decode() for key in redis_client().scan_iter(match="*", count=1000)]
    assert any(lower in key for key in keys)
    assert not any(upper in key for key in keys), [k for k in keys if upper in k]
