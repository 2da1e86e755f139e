"""Shared fixtures: real Redis (own DB indexes), mongomock or MongoDB, an in-process worker."""
from __future__ import annotations

import os
import random
import socket
import time
from collections.abc import Callable

import mongoengine
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from rest_framework.test import APIClient

from config.celery import app as celery_app
from config.dispatch import broker_circuit
from config.mongo import EMBEDDED_SERVER_FLAG, mongo_indexes_ensure
from config.task_names import DELIVER_WEBHOOK, TASK_QUEUES
from learning.selectors import profile_cache_clear
from learning.services import profile_upsert

WEBHOOKS_QUEUE = TASK_QUEUES[DELIVER_WEBHOOK]
# The second worker of the webhook tests, for the webhooks queue alone.
WEBHOOKS_WORKER = f"webhooks@{socket.gethostname()}"

# The suite is one process holding embedded mode's data, as `manage.py serve` is.
os.environ.setdefault(EMBEDDED_SERVER_FLAG, "1")


def _flush_test_redis() -> None:
    for url in {settings.REDIS_URL, settings.CELERY_BROKER_URL}:
        redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session", autouse=True)
def _mongo_indexes():
    """Indexes are created by an explicit step, as `make run` and compose do at start-up."""
    mongo_indexes_ensure()


@pytest.fixture(scope="session", autouse=True)
def _test_redis_dbs():
    """The suite owns two Redis DB indexes; empty them before and after the run."""
    _flush_test_redis()
    yield
    _flush_test_redis()


def _purge_queues() -> None:
    """Drop queued messages (not the broker's bindings, which a running worker relies on)."""
    with celery_app.connection_for_write() as connection:
        for queue in celery_app.conf.task_queues:
            connection.default_channel.queue_purge(queue.name)


@pytest.fixture(autouse=True)
def _clean_stores():
    """Each test starts with empty MongoDB collections (indexes kept), an empty cache DB, a
    closed broker circuit and no messages left over from an earlier test."""
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield
    # A test that made publishing fail tripped the process-wide breaker; later tests publish.
    broker_circuit.reset()
    _purge_queues()
    db = mongoengine.get_db()
    for name in db.list_collection_names():
        db[name].delete_many({})
    profile_cache_clear()  # user ids repeat across tests; a kept profile would outlive its store
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture(scope="session")
def celery_worker():
    """A real Celery worker consuming the real Redis broker, in a thread of this process."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    queues = ",".join(q.name for q in celery_app.conf.task_queues)
    # With heartbeats on, as a real worker runs: its event dispatcher is then live, so a monitor
    # (Flower) can switch task events on.
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=queues.split(","),
                      shutdown_timeout=30, without_heartbeat=False) as worker:
        yield worker


@pytest.fixture(scope="session")
def webhook_worker(celery_worker):
    """From now on the webhooks queue has a thread-pool worker of its own, as production runs
    one, so a stalled receiver holds one of its threads and never the main worker."""
    replies = celery_app.control.cancel_consumer(WEBHOOKS_QUEUE, destination=[celery_worker.hostname],
                                                 reply=True, timeout=5)
    assert replies, "the worker did not answer cancel_consumer"
    time.sleep(1.1)  # a BRPOP issued before the cancel may still take one message
    # Its own timer thread (no event loop): sharing the first worker's hub, its countdowns
    # would never fire.
    with start_worker(celery_app, pool="threads", concurrency=4, perform_ping_check=False,
                      queues=[WEBHOOKS_QUEUE], hostname=WEBHOOKS_WORKER, use_eventloop=False,
                      shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def progress_queue_paused(celery_worker):
    """The worker stops taking `progress` messages during the test, so queued recalculations
    stay queued (the worker is a session fixture; an earlier test may have started it)."""
    control = celery_app.control
    replies = control.cancel_consumer("progress", destination=[celery_worker.hostname], reply=True,
                                      timeout=5)
    assert replies, "the worker did not answer cancel_consumer"
    # A BRPOP the worker issued before the cancel may still take one message for up to kombu's
    # brpop_timeout (1 s); publish only after it has returned.
    time.sleep(1.1)
    yield
    control.add_consumer("progress", destination=[celery_worker.hostname], reply=True, timeout=5)


def free_port(ports: range = range(18600, 18900)) -> int:
    """A local TCP port nothing listens on now, from the range this suite keeps for its own
    servers, tried in random order: several checkouts may run the suite at once on one machine,
    and each picks its port a moment before its server binds it."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


def wait_until(predicate: Callable[[], object], *, timeout: float = 15, interval: float = 0.05):
    """Poll until predicate() is truthy and return its value; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture
def make_user(db):
    """Create a Django user with a learner profile (staff if asked)."""
    from django.contrib.auth import get_user_model

    def make(username: str, *, staff: bool = False, display_name: str | None = None):
        user = get_user_model().objects.create_user(username=username, password="pass-12345",
                                                    is_staff=staff)
        profile_upsert(user_id=user.pk, display_name=display_name or username.title())
        return user

    return make


@pytest.fixture
def staff(make_user):
    return make_user("staff", staff=True)


@pytest.fixture
def client_for():
    """An API client authenticated as the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def staff_client(staff, client_for) -> APIClient:
    return client_for(staff)
