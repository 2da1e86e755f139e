"""/healthz and /readyz: MongoDB, the Redis cache, the broker and a recent worker heartbeat."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from config.heartbeat import WorkerHeartbeat, worker_heartbeat_write
from config.keys import WORKER_HEARTBEATS_KEY
from config.redis import redis_client
from tests.conftest import free_port, wait_until

# A port in the range reserved for this suite's private servers, with nothing listening.
CLOSED_PORT = free_port()


@pytest.fixture
def heartbeat_stopped(celery_worker):
    """The session worker stops writing heartbeats during the test (and restarts after)."""
    step = next(s for s in celery_worker.blueprint.steps.values() if isinstance(s, WorkerHeartbeat))
    step.stop(celery_worker)
    redis_client().delete(WORKER_HEARTBEATS_KEY)
    yield
    step.start(celery_worker)


def test_healthz_answers_ok_without_touching_any_store():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_with_every_check_and_the_workers_heartbeat_age(celery_worker):
    def ready():
        response = Client().get("/readyz")
        return response if response.status_code == 200 else None

    body = wait_until(ready, timeout=settings.WORKER_HEARTBEAT_SECONDS * 5).json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"mongodb", "redis", "broker", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    worker = body["checks"]["worker"]
    assert worker["worker"] == celery_worker.hostname
    assert 0 <= worker["last_seen_seconds"] <= settings.WORKER_HEARTBEAT_MAX_AGE
    assert celery_worker.hostname in worker["alive_workers"]


def test_readyz_is_503_when_no_worker_wrote_a_heartbeat(heartbeat_stopped):
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker heartbeat" in body["checks"]["worker"]["error"]
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["mongodb"]["ok"] is True


def test_readyz_is_503_when_the_newest_heartbeat_is_too_old(heartbeat_stopped, monkeypatch):
    monkeypatch.setattr("config.heartbeat.time.time", lambda: 1_000_000.0)
    worker_heartbeat_write(hostname="old@host")
    monkeypatch.undo()
    response = Client().get("/readyz")
    assert response.status_code == 503
    error = response.json()["checks"]["worker"]["error"]
    assert "old@host" in error and "old; max" in error


def test_readyz_is_503_when_the_redis_cache_is_unreachable(settings):
    location = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert "ConnectionError" in checks["redis"]["error"]
    assert checks["mongodb"]["ok"] is True
    assert checks["broker"]["ok"] is True
