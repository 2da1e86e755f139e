"""Broker outage scenario for staff corrections: an override, a reset, an erasure and a learner
leaving the course, made while the broker is down, all answer at once, their work waits in the outbox, and the beat's sweep
queues it once the broker is back; progress and the board converge.

Not collected by the suite (not a test_*.py file): tests/corrections/test_broker_down.py runs it
in a pytest process of its own whose broker (TEST_BROKER_URL) is a redis-server this scenario
kills and restarts (see tests/reliability/scenarios/broker_outage.py for why).
"""
from __future__ import annotations

import os

import pytest
from rest_framework.test import APIClient

from config.dispatch import outbox_count
from config.documents import OutboxEntry
from learning.correction_documents import CourseReset, MarkOverride, UserErasure
from learning.documents import LearnerProfile
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload
from tests.reliability.scenarios.broker_outage import _broker_kill

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def test_corrections_made_while_the_broker_is_down_converge_after_it_returns(
        celery_worker, make_user, staff_client, client_for):
    assert os.environ["TEST_BROKER_URL"]
    created = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                                format="json")
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    quiz1 = item_ids(created.json())[1]
    learners = {name: make_user(name) for name in ("ada", "bob", "cy", "dee")}
    clients = {name: client_for(user) for name, user in learners.items()}
    for name, answers in (("ada", [1, 0]), ("bob", [1, 1]), ("cy", [0, 1]), ("dee", [0, 0])):
        assert clients[name].post(f"/api/v1/courses/{cid}/enroll/").status_code == 201
        assert clients[name].post(f"/api/v1/courses/{cid}/attempts/",
                                  {"content_id": quiz1, "answers": answers},
                                  format="json").status_code == 202
    ada, bob, cy, dee = (learners[name].pk for name in ("ada", "bob", "cy", "dee"))

    def board() -> list[tuple[int, float]]:
        body = staff_client.get(f"/api/v1/courses/{cid}/leaderboard/").json()
        return [(row["user_id"], row["score"]) for row in body["results"]]

    before = sorted([(ada, 10), (bob, 5), (dee, 5), (cy, 0)])  # bob and dee tie
    wait_until(lambda: sorted(board()) == before, timeout=20)
    wait_until(lambda: outbox_count() == 0, timeout=20)

    broker = _broker_kill()
    override = staff_client.post(f"/api/v1/courses/{cid}/overrides/",
                                 {"user_id": ada, "content_id": quiz1, "marks": 2,
                                  "reason": "Copied answers."}, format="json")
    assert override.status_code == 202, override.content
    reset = staff_client.post(f"/api/v1/courses/{cid}/learners/{bob}/reset/",
                              {"reason": "Starts again."}, format="json")
    assert reset.status_code == 202 and reset.json()["status"] == "done", reset.content
    assert staff_client.delete(f"/api/v1/users/{cy}/").status_code == 204
    assert clients["dee"].delete(f"/api/v1/courses/{cid}/enroll/").status_code == 204
    # Everything the stores hold is done; only the queued work waits for the broker.
    assert MarkOverride.objects(followup_pending=True).count() == 0
    assert CourseReset.objects(followup_pending=True).count() == 0
    assert LearnerProfile.objects(user_id=cy).count() == 0
    assert UserErasure.objects.get(id=cy).finished_at is not None
    parked = {(entry.task_name, entry.kwargs.get("user_id")) for entry in OutboxEntry.objects}
    assert {("RECALCULATE_COURSE", ada), ("RECALCULATE_COURSE", bob), ("UPDATE_LEADERBOARD", ada),
            ("UPDATE_LEADERBOARD", bob), ("UPDATE_LEADERBOARD", cy),
            ("UPDATE_LEADERBOARD", dee)} <= parked
    assert sorted(board()) == before  # no worker ran yet

    broker.start()
    celery_worker.app.send_task("SWEEP_PENDING_WORK")  # what beat sends on its schedule
    wait_until(lambda: outbox_count() == 0, timeout=60)
    wait_until(lambda: board() == [(ada, 2)], timeout=30)

    def progress(client: APIClient, marks: float) -> dict | None:
        body = client.get(f"/api/v1/courses/{cid}/progress/").json()
        return body if not body["pending"] and body["marks_obtained"] == marks else None

    wait_until(lambda: progress(clients["ada"], 2), timeout=20)
    wait_until(lambda: progress(clients["bob"], 0), timeout=20)
