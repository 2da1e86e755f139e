"""A worker killed with SIGKILL mid-task loses nothing: the task runs again and completes.

MongoDB is in-process (mongomock) in tests, so the workers here are separate processes running a
probe task that shares the real tasks' options (`domain_task`) and records its runs in Redis.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery

from config.celery import app as celery_app
from tests.conftest import wait_until
from tests.reliability.probe import PROBE

ROOT = Path(__file__).resolve().parents[2]
REAL_TASKS = ("RECALCULATE_COURSE", "RECALCULATE_COURSE_ALL", "RECALCULATE_COURSE_BATCH",
              "UPDATE_LEADERBOARD", "REBUILD_LEADERBOARD", "LOG_ACTIVITY", "SWEEP_PENDING_WORK")


def test_real_tasks_and_the_probe_ack_late_and_requeue_on_worker_loss():
    import tests.reliability.probe  # noqa: F401 - registers the probe

    celery_app.loader.import_default_modules()  # the task modules, as a worker imports them
    for name in (*REAL_TASKS, PROBE):
        task = celery_app.tasks[name]
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True), name


class Workers:
    """Celery worker processes on a private broker, started and killed by the test."""

    def __init__(self, broker, tmp_path: Path, *, visibility_timeout: int) -> None:
        self.broker, self.tmp_path = broker, tmp_path
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
                    "CELERY_BROKER_URL": broker.url(0), "REDIS_URL": broker.url(1),
                    "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
                    "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1",
                    "LOG_LEVEL": "INFO"}
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, *, pool: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config.celery", "worker", "--pool", pool,
             "--concurrency", "1", "-Q", "progress", "-n", f"{name}@localhost",
             "--include", "tests.reliability.probe", "--without-mingle", "--without-gossip",
             "--loglevel", "INFO"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def workers_factory(private_redis, tmp_path) -> Iterator:
    made: list[Workers] = []

    def make(*, visibility_timeout: int) -> Workers:
        made.append(Workers(private_redis, tmp_path, visibility_timeout=visibility_timeout))
        return made[-1]

    yield make
    for workers in made:
        workers.stop_all()


def _send_probe(broker, key: str) -> None:
    app = Celery("probe-sender", broker=broker.url(0))
    try:
        app.send_task(PROBE, kwargs={"record_url": broker.url(2), "key": key}, queue="progress")
    finally:
        app.close()


def _runs(broker, key: str) -> tuple[list[int], list[int]]:
    client = redis.Redis.from_url(broker.url(2))
    return ([int(p) for p in client.lrange(f"{key}:started", 0, -1)],
            [int(p) for p in client.lrange(f"{key}:finished", 0, -1)])


def test_a_task_whose_worker_is_killed_runs_again_on_the_next_worker(private_redis, workers_factory):
    workers = workers_factory(visibility_timeout=3)
    first = workers.start("crash-first", pool="solo")
    _send_probe(private_redis, "probe")
    wait_until(lambda: _runs(private_redis, "probe")[0], timeout=60)
    assert _runs(private_redis, "probe")[0] == [first.pid]  # the solo worker runs it itself

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    # The message was delivered but never acknowledged: the broker still holds it.
    assert redis.Redis.from_url(private_redis.url(0)).hlen("unacked") == 1

    second = workers.start("crash-second", pool="solo")
    started = wait_until(lambda: len(_runs(private_redis, "probe")[0]) == 2 and _runs(private_redis, "probe")[0],
                         timeout=60)
    assert started == [first.pid, second.pid], workers.log("crash-second")
    redis.Redis.from_url(private_redis.url(2)).set("probe:release", 1)
    wait_until(lambda: _runs(private_redis, "probe")[1], timeout=20)
    assert _runs(private_redis, "probe") == ([first.pid, second.pid], [second.pid])
    wait_until(lambda: redis.Redis.from_url(private_redis.url(0)).hlen("unacked") == 0, timeout=10)


def test_a_task_whose_pool_process_is_killed_is_requeued_at_once(private_redis, workers_factory):
    # A long visibility timeout: a second run can only come from reject_on_worker_lost.
    workers = workers_factory(visibility_timeout=600)
    worker = workers.start("pool-kill", pool="prefork")
    _send_probe(private_redis, "probe")
    child = wait_until(lambda: _runs(private_redis, "probe")[0], timeout=60)[0]
    assert child != worker.pid

    os.kill(child, signal.SIGKILL)
    started = wait_until(lambda: len(_runs(private_redis, "probe")[0]) == 2 and _runs(private_redis, "probe")[0],
                         timeout=30)
    assert started[0] == child and started[1] not in (child, worker.pid), workers.log("pool-kill")
    redis.Redis.from_url(private_redis.url(2)).set("probe:release", 1)
    wait_until(lambda: _runs(private_redis, "probe")[1], timeout=20)
    assert _runs(private_redis, "probe")[1] == [started[1]]
    assert worker.poll() is None  # the worker itself lived on
