"""Two `celery beat` processes on one Redis: RedBeat's lock lets exactly one send due tasks,
also after Redis restarted empty (config.beat.ResilientRedBeatScheduler)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_until
from tests.ops.stack import PrivateRedis

ROOT = Path(__file__).resolve().parents[2]
# A private server in the port range reserved for this suite, so the shared Redis is untouched.
PORT = int(os.environ.get("TEST_BEAT_REDIS_PORT") or free_port())
SENDING = "Sending due task sweep-pending-work (SWEEP_PENDING_WORK)"
SCHEDULER = os.environ.get("TEST_BEAT_SCHEDULER", "config.beat.ResilientRedBeatScheduler")

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (apt-get install redis-server)")


@pytest.fixture
def redis_server(tmp_path):
    server = PrivateRedis(PORT, tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(redis_server):
    return redis_server.client(1)


class Beat:
    """One `celery beat` process whose output goes to a file."""

    def __init__(self, name: str, tmp_path: Path):
        self.log = tmp_path / f"{name}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "TEST_REDIS_HOST": f"127.0.0.1:{PORT}", "TEST_REDIS_DB": "0",
               "PENDING_SWEEP_SECONDS": "1", "BEAT_MAX_LOOP_INTERVAL": "1",
               "REDBEAT_LOCK_TIMEOUT": "5"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info",
                 "-S", SCHEDULER],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text()

    def sent(self) -> int:
        return self.output().count(SENDING)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def test_only_one_of_two_beat_processes_sends_due_tasks_until_it_stops(private_redis, tmp_path):
    first = Beat("first", tmp_path)
    second = None
    try:
        wait_until(lambda: first.sent() >= 1, timeout=30)
        second = Beat("second", tmp_path)
        wait_until(lambda: "beat: Starting" in second.output(), timeout=30)
        sent_before = first.sent()
        wait_until(lambda: first.sent() >= sent_before + 3, timeout=30)
        assert second.process.poll() is None, second.output()
        assert second.sent() == 0, second.output()
        assert "beat: Acquired lock" not in second.output()
        assert private_redis.exists("redbeat::lock")

        first.stop()
        assert "beat: Releasing lock" in first.output()
        # The standby takes over within a loop interval of the lock being released.
        wait_until(lambda: second.sent() >= 2, timeout=30)
        assert "beat: Acquired lock" in second.output()
        second.stop()
        sent = first.sent() + second.sent()
        # No message was published beyond the sends the lock holders logged. SIGTERM can cut a
        # send short after its log line (seen: "Sending due task" then "Releasing lock" 9 ms
        # later and one message fewer), hence at most one missing per stopped scheduler.
        assert sent - 2 <= private_redis.llen("progress") <= sent
    finally:
        for beat in (first, second):
            if beat is not None:
                beat.stop()


def test_after_redis_restarts_empty_exactly_one_of_two_beats_sends_again(redis_server, tmp_path):
    first = Beat("first", tmp_path)
    second = None
    try:
        wait_until(lambda: first.sent() >= 1, timeout=30)
        second = Beat("second", tmp_path)
        wait_until(lambda: "beat: Starting" in second.output(), timeout=30)
        redis_server.kill()  # the lock and the schedule are gone with it
        time.sleep(3)
        redis_server.start()
        before = (first.sent(), second.sent())
        # Both keep running; the schedule is back and one of them holds the lock again.
        wait_until(lambda: first.sent() + second.sent() >= sum(before) + 4, timeout=30)
        assert first.alive() and second.alive(), first.output() + second.output()
        assert redis_server.client(1).exists("redbeat::lock")
        assert redis_server.client(1).zcard("redbeat::schedule") >= 1
        resumed = (first.sent() - before[0], second.sent() - before[1])
        assert 0 in resumed and max(resumed) >= 4, resumed  # exactly one sends
    finally:
        for beat in (first, second):
            if beat is not None:
                beat.stop()
