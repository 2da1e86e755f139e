"""End to end: attempts over HTTP → worker → boards; weekly window, competition ranks, drift, rebuild."""
from __future__ import annotations

import time

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from leaderboard import keys
from leaderboard.scoring import composite_encode
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload
from tests.flows.test_attempts_to_progress_and_leaderboard import _learner

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def test_ties_weekly_boards_ranks_drift_and_rebuild_through_the_worker(staff_client, celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(slug="lb-flow"), format="json")
    assert course.status_code == 201, course.content
    cid = course.json()["id"]
    video, quiz1, *_ = item_ids(course.json())
    learners = [_learner(staff_client, name, name.title()) for name in ("ada", "bob", "cy")]
    (ada_id, ada), (bob_id, bob), (cy_id, cy) = learners
    for _, client in learners:
        assert client.post(f"/api/v1/courses/{cid}/enroll/").status_code == 201
        assert client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": video, "completed": True},
                           format="json").status_code == 202

    def quiz(client, answers):
        response = client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": quiz1, "answers": answers},
                               format="json")
        assert response.status_code == 202, response.content

    quiz(ada, [1, 0])  # 10 points, first
    time.sleep(1.1)    # ties are ordered to the second
    quiz(bob, [1, 0])  # 10 points, later
    quiz(cy, [1, 1])   # 5 points
    quiz(bob, [1, 0])  # the same score again does not move Bob ahead of Ada

    url = f"/api/v1/courses/{cid}/leaderboard/"

    def board(params=None):
        body = cy.get(url, params or {}).json()
        rows = [(r["rank"], r["user_id"], r["score"]) for r in body["results"]]
        return rows if rows == expected else None

    expected = [(1, ada_id, 10), (2, bob_id, 10), (3, cy_id, 5)]
    wait_until(board)
    wait_until(lambda: board({"window": "week"}))

    assert staff_client.put(url + "config/", {"ranking": "competition"}, format="json").status_code == 200
    expected = [(1, ada_id, 10), (1, bob_id, 10), (3, cy_id, 5)]
    assert board()
    me = bob.get(url + "me/", {"around": 1}).json()
    assert (me["rank"], me["score"], me["count"]) == (1, 10, 3)
    assert [(e["rank"], e["user_id"]) for e in me["around"]] == [(1, ada_id), (1, bob_id), (3, cy_id)]

    # Drift: Redis says Cy has 99 points; the scheduled check, run by the worker, repairs it.
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cache.zadd(keys.board_key(cid), {str(cy_id): composite_encode(cents=9900, reached_at=timezone.now())})
    assert cy.get(url).json()["results"][0]["user_id"] == cy_id
    celery_app.send_task("CHECK_LEADERBOARD_DRIFT")
    wait_until(board)

    rebuilds = int(cache.hget(keys.stats_key(cid), "rebuilds:all") or 0)
    response = staff_client.post(url + "rebuild/")
    assert response.status_code == 202 and response.json()["task_id"]
    wait_until(lambda: int(cache.hget(keys.stats_key(cid), "rebuilds:all") or 0) == rebuilds + 1)
    assert board()
