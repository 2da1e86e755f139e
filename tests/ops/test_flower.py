"""Flower behind basic auth sees REBUILD_LEADERBOARD runs and retries: workers send no task
events of their own accord, Flower switches them on when it starts."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.celery import app as celery_app
from config.redis import redis_client
from tests.conftest import free_port, wait_until
from tests.factories import python_course_payload
from tests.ops.test_task_logs import FLAKY_COUNTER, flaky

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("TEST_FLOWER_PORT") or free_port())
AUTH = "ops:flower-test-pass"

pytestmark = pytest.mark.django_db


def get(path: str, *, auth: str | None = AUTH) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


@pytest.fixture
def flower(celery_worker, tmp_path):
    log = (tmp_path / "flower.log").open("wb")
    # The same settings (and so the same broker) as the suite; the password comes from the
    # environment variable Flower reads itself, as in compose.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "FLOWER_BASIC_AUTH": AUTH}
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "flower",
                                "--address=127.0.0.1", f"--port={PORT}"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: celery_worker.hostname.encode() in get("/api/workers?refresh=1")[1],
                   timeout=40, interval=0.5)
        # Task events flow once Flower has asked for them (a few seconds after it starts):
        # until then, probes run unseen.
        wait_until(_probe_seen, timeout=40, interval=1)
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _probe_seen() -> bool:
    """Send a no-op task (Celery's built-in accumulate); True once Flower has seen one run."""
    celery_app.send_task("celery.accumulate", args=(1,), queue="celery")
    status, body = get("/api/tasks")
    return status == 200 and any(t["name"] == "celery.accumulate" and t["state"] == "SUCCESS"
                                 for t in json.loads(body).values())


def test_flower_needs_basic_auth_and_shows_rebuilds_and_retries(flower, staff_client):
    assert get("/api/tasks", auth=None)[0] == 401
    assert get("/api/tasks", auth="ops:wrong")[0] == 401

    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    assert staff_client.post(f"/api/v1/courses/{course['id']}/leaderboard/rebuild/").status_code == 202
    redis_client().delete(FLAKY_COUNTER)
    flaky.apply_async(kwargs={"course_id": course["id"], "user_id": 1}, queue="celery")

    def tasks():
        status, body = get("/api/tasks")
        seen = json.loads(body) if status == 200 else {}
        names = {(t["name"], t["state"]) for t in seen.values()}
        return seen if {("REBUILD_LEADERBOARD", "SUCCESS"), ("TEST_OPS_FLAKY", "SUCCESS")} <= names \
            else None

    seen = wait_until(tasks, timeout=30, interval=0.5)
    rebuild = next(t for t in seen.values() if t["name"] == "REBUILD_LEADERBOARD")
    assert json.loads(rebuild["kwargs"].replace("'", '"')) == {"course_id": course["id"]}
    assert rebuild["runtime"] is not None
    # Flower's Prometheus endpoint counts the retry event of the flaky task.
    # Flower 2.2 serves /metrics without the login (docs/operations.md: keep the port private).
    assert get("/metrics", auth=None)[0] == 200
    metrics = get("/metrics")[1].decode()
    assert 'flower_events_total{task="TEST_OPS_FLAKY",type="task-retried"' in metrics
    assert 'flower_events_total{task="REBUILD_LEADERBOARD",type="task-succeeded"' in metrics
    assert not celery_app.conf.worker_send_task_events and not celery_app.conf.task_send_sent_event
