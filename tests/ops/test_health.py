"""/healthz (alive), /readyz (can take attempts), /health/detail (operators), /metrics never 500."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from pymongo.errors import AutoReconnect

from config.heartbeat import WorkerHeartbeat, worker_heartbeat_write
from config.keys import WORKER_HEARTBEATS_KEY
from config.mongo import mongo_database
from config.redis import redis_client
from tests.conftest import WEBHOOKS_WORKER, free_port, wait_until

# A port in the range reserved for this suite's private servers, with nothing listening.
CLOSED_PORT = free_port()

pytestmark = pytest.mark.django_db


@pytest.fixture
def heartbeat_stopped(celery_worker, webhook_worker):
    """Both workers of the session stop writing heartbeats during the test (and restart after):
    one left stamping would make the workers look alive."""
    steps = [(worker, next(s for s in worker.blueprint.steps.values()
                           if isinstance(s, WorkerHeartbeat)))
             for worker in (celery_worker, webhook_worker)]
    for worker, step in steps:
        step.stop(worker)
    redis_client().delete(WORKER_HEARTBEATS_KEY)
    yield
    for worker, step in steps:
        step.start(worker)


def test_healthz_answers_ok_without_touching_any_store():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_whether_this_instance_can_accept_attempts():
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and set(body["checks"]) == {"mongodb", "database"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_stays_ready_while_redis_the_broker_and_the_workers_are_down(settings,
                                                                            heartbeat_stopped):
    """Attempts are still stored then (their work waits in the outbox): load balancers must not
    take every instance out exactly when the service can still take work."""
    location = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    settings.CELERY_BROKER_URL = location
    assert Client().get("/readyz").status_code == 200


def test_readyz_is_503_when_mongodb_fails_and_shows_no_exception_text(monkeypatch):
    database_class = type(mongo_database())  # mongomock's or pymongo's

    def refuse(self, *args, **kwargs):
        raise AutoReconnect("connection refused by db.internal:27017 (secret detail)")

    monkeypatch.setattr(database_class, "command", refuse)
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "checks": {"mongodb": {"ok": False},
                                                        "database": body["checks"]["database"]}}
    assert "secret detail" not in response.content.decode() and "AutoReconnect" not in \
        response.content.decode()


def test_health_detail_is_for_operators_only(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="192.0.2.1").get("/health/detail").status_code == 403


def test_health_detail_shows_every_dependency_and_the_workers_heartbeat_age(celery_worker):
    def healthy():
        response = Client().get("/health/detail")
        # Once this worker stamped too: the webhook tests run a second worker, which may stamp
        # first after the flush between tests.
        alive = response.json()["checks"]["worker"].get("alive_workers", []) \
            if response.status_code == 200 else []
        return response if celery_worker.hostname in alive else None

    body = wait_until(healthy, timeout=settings.WORKER_HEARTBEAT_SECONDS * 5).json()
    assert body["status"] == "healthy"
    assert set(body["checks"]) == {"mongodb", "database", "redis", "broker", "worker"}
    worker = body["checks"]["worker"]
    # The newest heartbeat: the suite runs a second worker for webhook deliveries.
    assert worker["worker"] in (celery_worker.hostname, WEBHOOKS_WORKER)
    assert 0 <= worker["last_seen_seconds"] <= settings.WORKER_HEARTBEAT_MAX_AGE
    assert celery_worker.hostname in worker["alive_workers"]


def test_health_detail_is_503_when_no_worker_wrote_a_heartbeat(heartbeat_stopped):
    response = Client().get("/health/detail")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker heartbeat" in body["checks"]["worker"]["error"]
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["mongodb"]["ok"] is True


def test_health_detail_is_503_when_the_newest_heartbeat_is_too_old(heartbeat_stopped, monkeypatch):
    monkeypatch.setattr("config.heartbeat.time.time", lambda: 1_000_000.0)
    worker_heartbeat_write(hostname="old@host")
    monkeypatch.undo()
    response = Client().get("/health/detail")
    assert response.status_code == 503
    error = response.json()["checks"]["worker"]["error"]
    assert "old@host" in error and "old; max" in error


def test_health_detail_names_the_unreachable_redis_cache(settings):
    location = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    response = Client().get("/health/detail")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False
    assert "ConnectionError" in checks["redis"]["error"]
    assert checks["mongodb"]["ok"] is True
    assert checks["broker"]["ok"] is True


def test_metrics_answer_while_redis_and_the_broker_are_down(settings):
    location = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    settings.CELERY_BROKER_URL = location
    response = Client().get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lms_scrape_errors{source="redis"} 1.0' in text
    assert "lms_pending_work 0.0" in text  # MongoDB still measured
