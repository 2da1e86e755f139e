"""Broker outage scenario: attempts answer 202 while the broker is down, the work waits as
in the outbox, and the beat's sweep queues it once the broker is back; progress and boards converge.

Not collected by the suite (not a test_*.py file): tests/reliability/test_broker_down.py runs it
in a pytest process of its own whose broker (TEST_BROKER_URL) is a redis-server this scenario
kills and restarts, so the session worker is that process's only worker (Celery workers of one
process share their event loop and bookkeeping).
"""
from __future__ import annotations

import json
import os
import signal
import time

import pytest
import redis
from celery.signals import task_postrun
from django.conf import settings

from config.dispatch import broker_circuit, outbox_count, outbox_sweep
from config.documents import OutboxEntry
from learning.documents import ContentAttempt
from progress.keys import progress_cache_key
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload
from tests.reliability.conftest import PrivateRedis

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _progress(client, cid: str) -> dict:
    response = client.get(f"/api/v1/courses/{cid}/progress/")
    assert response.status_code == 200, response.content
    return response.json()


def _broker_kill() -> PrivateRedis:
    """SIGKILL the broker started for this run; return a handle that restarts it (same port)."""
    port, pid = int(os.environ["OUTAGE_BROKER_PORT"]), int(os.environ["OUTAGE_BROKER_PID"])
    os.kill(pid, signal.SIGKILL)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def down() -> bool:
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            return True
        return False

    wait_until(down, timeout=10)
    return PrivateRedis(port)


def test_attempts_made_while_the_broker_is_down_converge_after_it_returns(
        celery_worker, make_user, staff_client, client_for):
    assert settings.CELERY_BROKER_URL == os.environ["TEST_BROKER_URL"]
    assert any(entry["task"] == "SWEEP_PENDING_WORK" for entry in settings.CELERY_BEAT_SCHEDULE.values())
    broker = _broker_kill()  # before anything is queued: every message would be lost with it

    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json")
    assert course.status_code == 201, course.content
    cid = course.json()["id"]
    video, quiz1, homework, article, _quiz2 = item_ids(course.json())
    ada, bob = make_user("ada"), make_user("bob")
    ada_client, bob_client = client_for(ada), client_for(bob)
    enroll_durations = []
    for client in (ada_client, bob_client):
        started = time.monotonic()
        assert client.post(f"/api/v1/courses/{cid}/enroll/").status_code == 201
        enroll_durations.append(time.monotonic() - started)
    # The first request that publishes pays for one failed publish; the breaker spares the next.
    print("enroll request durations (s):", [round(d, 3) for d in enroll_durations])
    assert enroll_durations[0] < 5 and enroll_durations[1] < 1, enroll_durations
    attempts = [
        (ada_client, {"content_id": video, "completed": True}),
        (ada_client, {"content_id": quiz1, "answers": [1, 0]}),
        (staff_client, {"content_id": homework, "user_id": ada.pk, "marks": 15}),
        (ada_client, {"content_id": article, "completed": True}),
        (bob_client, {"content_id": video, "completed": True}),
        (bob_client, {"content_id": quiz1, "answers": [1, 1]}),
    ] * 2
    durations = []
    for client, body in attempts:
        started = time.monotonic()
        response = client.post(f"/api/v1/courses/{cid}/attempts/", body, format="json")
        durations.append(time.monotonic() - started)
        assert response.status_code == 202, response.content
    print("attempt request durations (s):", [round(d, 3) for d in durations])
    assert sum(durations) < 3, durations  # the breaker is open: no request waits for the broker
    assert ContentAttempt.objects(course_id=cid).count() == len(attempts)
    parked = {work.task_name for work in OutboxEntry.objects}
    assert {"RECALCULATE_COURSE", "UPDATE_LEADERBOARD", "LOG_ACTIVITY"} <= parked
    # One unit of work per learner and task, however many attempts were made.
    assert OutboxEntry.objects(task_name="RECALCULATE_COURSE").count() == 2

    # A sweep while the broker is still down keeps the work.
    broker_circuit.reset()
    waiting = outbox_count()
    assert outbox_sweep() == 0
    assert outbox_count() == waiting

    broker.start()
    ran: list[tuple[str, int | None]] = []

    def record(sender=None, kwargs=None, **_):
        ran.append((sender.name, (kwargs or {}).get("user_id")))

    task_postrun.connect(record, weak=False)
    try:
        # What beat sends on its schedule; the worker, once reconnected, runs it and the work
        # it re-queues.
        celery_worker.app.send_task("SWEEP_PENDING_WORK")
        wait_until(lambda: outbox_count() == 0, timeout=60)
        wait_until(lambda: {("RECALCULATE_COURSE", ada.pk), ("RECALCULATE_COURSE", bob.pk),
                            ("UPDATE_LEADERBOARD", ada.pk), ("UPDATE_LEADERBOARD", bob.pk)} <= set(ran),
                   timeout=30)
    finally:
        task_postrun.disconnect(record)
    # The worker's recalculation, not a read, put the progress in the cache.
    cache = redis.Redis.from_url(settings.REDIS_URL)
    assert json.loads(cache.get(progress_cache_key(ada.pk, cid)))["completed_items"] == 4

    def settled(client, completed: int) -> dict | None:
        body = _progress(client, cid)
        return body if not body["pending"] and body["completed_items"] == completed else None

    ada_progress = wait_until(lambda: settled(ada_client, 4), timeout=20)
    assert ada_progress["completion_percent"] == 80.0
    assert ada_progress["marks_obtained"] == 25
    bob_progress = wait_until(lambda: settled(bob_client, 1), timeout=20)
    assert bob_progress["marks_obtained"] == 5  # graded below the pass mark: not complete

    def board():
        body = ada_client.get(f"/api/v1/courses/{cid}/leaderboard/").json()
        scores = [(row["user_id"], row["score"]) for row in body["results"]]
        return scores if scores == [(ada.pk, 25), (bob.pk, 5)] else None
    wait_until(board, timeout=20)
