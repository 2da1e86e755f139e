"""End to end: HTTP API → Redis broker → real Celery worker → MongoDB + Redis, for three learners."""
from __future__ import annotations

import json

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from leaderboard.scoring import composite_decode
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _learner(staff_client: APIClient, username: str, display_name: str) -> tuple[int, APIClient]:
    """Create a learner through the API and log in with a token, as a client app would."""
    created = staff_client.post("/api/v1/users/", {"username": username, "password": "s3cret-pass",
                                                   "display_name": display_name}, format="json")
    assert created.status_code == 201, created.content
    token = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "s3cret-pass"},
                             format="json")
    assert token.status_code == 200, token.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return created.json()["id"], client


def _settled_progress(client: APIClient, course_id: str, expected_completed: int) -> dict:
    """Progress once the worker has caught up (nothing pending, the expected count reached)."""
    def ready():
        body = client.get(f"/api/v1/courses/{course_id}/progress/").json()
        return body if not body["pending"] and body["completed_items"] == expected_completed else None
    return wait_until(ready)


def test_attempts_flow_through_the_worker_into_progress_and_leaderboard(staff_client, celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json")
    assert course.status_code == 201, course.content
    course = course.json()
    cid = course["id"]
    video, quiz1, homework, article, quiz2 = item_ids(course)

    ada_id, ada = _learner(staff_client, "ada", "Ada")
    bob_id, bob = _learner(staff_client, "bob", "Bob")
    cy_id, cy = _learner(staff_client, "cy", "Cy")
    for client in (ada, bob, cy):
        assert client.post(f"/api/v1/courses/{cid}/enroll/").status_code == 201

    def attempt(client, body):
        response = client.post(f"/api/v1/courses/{cid}/attempts/", body, format="json")
        assert response.status_code == 202, response.content
        return response.json()

    # Ada completes everything.
    attempt(ada, {"content_id": video, "completed": True})
    graded = attempt(ada, {"content_id": quiz1, "answers": [1, 0]})
    assert graded["marks"] == 10  # graded on the server from the answer key
    attempt(staff_client, {"content_id": homework, "user_id": ada_id, "marks": 18})
    _settled_progress(ada, cid, 3)
    attempt(ada, {"content_id": article, "completed": True})
    attempt(ada, {"content_id": quiz2, "answers": [1]})

    # Bob fails Quiz 1 first, so the homework is not his to submit and the article stays locked.
    attempt(bob, {"content_id": video, "completed": True})
    assert attempt(bob, {"content_id": quiz1, "answers": [1, 1]})["marks"] == 5
    locked = bob.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": article, "completed": True},
                      format="json")
    assert locked.status_code == 403
    assert locked.json()["code"] == "item_locked"
    assert locked.json()["detail"] == "'Read: if' is locked: Complete 'Homework' first"
    assert locked.json()["locked"]["code"] == "previous_item_incomplete"
    attempt(bob, {"content_id": quiz1, "answers": [1, 0]})
    attempt(staff_client, {"content_id": homework, "user_id": bob_id, "marks": 8})

    # Cy only watches the video.
    attempt(cy, {"content_id": video, "completed": True})

    ada_progress = _settled_progress(ada, cid, 5)
    assert ada_progress["completion_percent"] == 100.0
    assert ada_progress["marks_obtained"] == 32 and ada_progress["marks_total"] == 34
    assert ada_progress["completed_at"] is not None
    assert ada_progress["next_item_id"] is None

    bob_progress = _settled_progress(bob, cid, 2)
    assert bob_progress["completion_percent"] == 40.0
    assert bob_progress["marks_obtained"] == 18  # best quiz attempt (10) + homework (8)
    assert bob_progress["unlocked"]["items"] == [video, quiz1, homework]
    assert bob_progress["next_item_id"] == homework  # graded below the pass mark: still to do
    assert {e["id"] for e in bob_progress["locked"]} >= {article, quiz2}

    cy_progress = _settled_progress(cy, cid, 1)
    assert cy_progress["completion_percent"] == 20.0
    assert cy_progress["unlocked"]["items"] == [video, quiz1]
    assert cy_progress["completed_at"] is None

    def board_settled():
        body = ada.get(f"/api/v1/courses/{cid}/leaderboard/").json()
        return body if [r["score"] for r in body["results"]] == [32, 18] else None
    board = wait_until(board_settled)
    assert board["count"] == 2
    assert [(r["rank"], r["user_id"], r["display_name"]) for r in board["results"]] == [
        (1, ada_id, "Ada"), (2, bob_id, "Bob")]

    me = bob.get(f"/api/v1/courses/{cid}/leaderboard/me/").json()
    assert (me["rank"], me["score"], me["count"]) == (2, 18, 2)
    assert [e["user_id"] for e in me["around"]] == [ada_id, bob_id]
    assert cy.get(f"/api/v1/courses/{cid}/leaderboard/me/").json()["rank"] is None

    # Redis holds the seed's cache key per learner and one sorted set for the course (beside it,
    # the board's distinct point values, for dense ranks).
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cached = json.loads(cache.get(f"user:{bob_id}:course:{cid}:progress"))
    assert cached["completion_percent"] == 40.0
    boards = sorted(k.decode() for k in cache.scan_iter(match="leaderboard:*") if cache.type(k) == b"zset")
    assert boards == [f"leaderboard:{{course:{cid}}}:all", f"leaderboard:{{course:{cid}}}:all:levels"]
    assert cache.zrange(boards[1], 0, -1) == [b"1800", b"3200"]
    # Scores are composites (cents × 2^31 + how early); decoded they are the learners' points.
    assert [(member, composite_decode(score)[0]) for member, score
            in cache.zrevrange(boards[0], 0, -1, withscores=True)] == [
        (str(ada_id).encode(), 3200), (str(bob_id).encode(), 1800)]
