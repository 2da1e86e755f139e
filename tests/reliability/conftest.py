"""A private redis-server a test can kill and restart, and a Celery app pointed at it."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from celery import Celery
from celery.worker import WorkController

from config.celery import app as celery_app
from learning.dispatch import broker_circuit

# Ports this suite may use for its own servers (other suites on the machine use other ranges).
PRIVATE_PORTS = range(18500, 18600)


def _free_port() -> int:
    for port in PRIVATE_PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PRIVATE_PORTS}")


class PrivateRedis:
    """One redis-server process on a fixed port, without persistence: killing it loses its data."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url())
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def _private_redis() -> PrivateRedis:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(_free_port())
    server.start()
    return server


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this test only."""
    server = _private_redis()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def private_broker() -> Iterator[PrivateRedis]:
    """A redis-server used as a second broker; tests may kill and restart it (same port)."""
    server = _private_redis()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def private_broker_worker(private_broker) -> Iterator[tuple[Celery, WorkController]]:
    """A Celery app configured like the project's but on the private broker, and a solo worker
    consuming it in a thread of this process (mongomock is shared).

    Celery keeps one "current app" per process for its workers; this worker's thread gets the
    private app as its own current app, and the project's app stays the default elsewhere.
    Workers of one process also share their bookkeeping (celery.worker.state): this worker must
    not lose its broker connection while the session worker runs, so start it only once the
    private broker is up for good.
    """
    app = Celery("lms-private")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = private_broker.url(0)
    app.autodiscover_tasks()
    app.finalize()
    worker = WorkController(app=app, hostname="private@localhost", pool="solo", concurrency=1,
                            loglevel="INFO", without_mingle=True, without_gossip=True,
                            without_heartbeat=True, queues=[q.name for q in app.conf.task_queues])
    # Building a worker makes its app the process default; give that back to the project's app.
    celery_app.set_default()
    celery_app.set_current()

    def run() -> None:
        app.set_current()
        worker.start()

    thread = threading.Thread(target=run, name="private-broker-worker", daemon=True)
    thread.start()
    yield app, worker
    # Worker shutdown flags are process-wide: this stops every worker of the process, which is
    # fine only because session fixtures end with the session.
    from celery.worker import state

    state.should_terminate = 0
    thread.join(10)


@pytest.fixture
def api_on_private_broker(private_broker) -> Iterator[Celery]:
    """Requests made by this test's thread publish to the private broker (no worker yet)."""
    app = Celery("lms-private-api")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = private_broker.url(0)
    app.set_current()
    yield app
    celery_app.set_default()
    celery_app.set_current()
    broker_circuit.reset()
    app.close()
