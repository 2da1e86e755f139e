"""Under `make run` (supervisord), a SIGKILLed beat and a 10 s Redis outage heal by themselves
while the API keeps answering; recovery times are printed."""
from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass

import pytest

from tests.conftest import wait_until
from tests.ops.stack import ADMIN_PASSWORD, PrivateRedis, Stack, free_ports

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (make test installs it as root)")

SENDING = r"Sending due task sweep-pending-work \(SWEEP_PENDING_WORK\)"
# The in-process worker's log line for a finished sweep: beat sent it and the worker ran it.
SWEPT = r"task=SWEEP_PENDING_WORK .*outcome=success"
LOCK = "redbeat::lock"
OUTAGE_SECONDS = 10
COURSE = {"title": "Healing", "slug": "healing", "unlock_mode": "open", "published": True,
          "sections": [{"title": "S", "lessons": [{"title": "L", "items": [
              {"title": f"Video {n}", "kind": "video"} for n in range(1, 5)]}]}]}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = PrivateRedis(free_ports(1)[0], tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(redis_server, tmp_path_factory):
    # Sweep every second, and a dead beat's lock lasts 5 s, so recoveries show within seconds.
    stack = Stack(tmp_path_factory.mktemp("stack"), redis_port=redis_server.port,
                  PENDING_SWEEP_SECONDS="1", BEAT_MAX_LOOP_INTERVAL="1", REDBEAT_LOCK_TIMEOUT="5",
                  STOP_TIMEOUT="10")
    try:
        stack.first_line(r"LMS progress service is running \(API healthy\)", timeout=120)
        yield stack
    finally:
        stack.stop()


@dataclass
class Learner:
    token: str
    course_id: str
    videos: list[str]

    @property
    def progress_path(self) -> str:
        return f"/api/v1/courses/{self.course_id}/progress/"


@pytest.fixture(scope="module")
def learner(stack) -> Learner:
    """A learner enrolled in a four-video course, the first video done and its progress stored
    by the worker (the README's first session with the API)."""
    status, body = stack.call("POST", "/api/v1/auth/token/", {"username": "admin", "password": ADMIN_PASSWORD})
    assert status == 200, body
    staff = body["token"]
    status, course = stack.call("POST", "/api/v1/courses/", COURSE, staff)
    assert status == 201, course
    status, body = stack.call("POST", "/api/v1/users/", {
        "username": "ada", "password": "ada-pass-1", "display_name": "Ada"}, staff)
    assert status == 201, body
    status, body = stack.call("POST", "/api/v1/auth/token/", {"username": "ada", "password": "ada-pass-1"})
    token = body["token"]
    assert stack.call("POST", f"/api/v1/courses/{course['id']}/enroll/", None, token)[0] in (200, 201)
    learner = Learner(token, course["id"], [i["id"] for i in course["sections"][0]["lessons"][0]["items"]])
    assert attempt(stack, learner, 0) == 202
    wait_until(lambda: completion(stack, learner) == 25.0, timeout=30, interval=0.2)
    return learner


def attempt(stack: Stack, learner: Learner, video: int) -> int:
    return stack.call("POST", f"/api/v1/courses/{learner.course_id}/attempts/",
                      {"content_id": learner.videos[video], "completed": True}, learner.token)[0]


def completion(stack: Stack, learner: Learner) -> float | None:
    status, body = stack.call("GET", learner.progress_path, None, learner.token)
    return body.get("completion_percent") if status == 200 and not body.get("pending") else None


class Poller:
    """Polls /healthz and the learner's progress (an authenticated read) every 0.2 s."""

    def __init__(self, stack: Stack, learner: Learner):
        self.stack, self.learner = stack, learner
        self.results: list[tuple[float, int, int]] = []  # (when, healthz status, read status)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            health = self.stack.call("GET", "/healthz", timeout=5)[0]
            read = self.stack.call("GET", self.learner.progress_path, None, self.learner.token,
                                   timeout=5)[0]
            self.results.append((time.monotonic(), health, read))
            self._stop.wait(0.2)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def failures(self, start: float = 0.0, end: float = float("inf")) -> list:
        return [r for r in self.results if start <= r[0] <= end and (r[1], r[2]) != (200, 200)]

    def count(self, start: float = 0.0, end: float = float("inf")) -> int:
        return sum(1 for r in self.results if start <= r[0] <= end)


def report(capsys, title: str, times: dict[str, float], note: str) -> None:
    with capsys.disabled():
        print(f"\n{title}")
        for what, seconds in times.items():
            print(f"  {what:<48} {seconds:5.1f} s")
        print(f"  {note}")


def test_beat_killed_with_sigkill_is_restarted_and_sends_again_while_the_api_answers(
        stack, redis_server, learner, capsys):
    broker = redis_server.client(1)
    wait_until(lambda: broker.get(LOCK), timeout=30)
    old_pid, old_token = stack.pid("lms:beat"), broker.get(LOCK)
    with Poller(stack, learner) as poller:
        killed = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        stack.first_line(r"exited: beat \(terminated by SIGKILL; not expected\)", after=killed)
        spawned = stack.first_line(r"spawned: 'beat' with pid", after=killed)
        wait_until(lambda: stack.pid("lms:beat") not in (0, old_pid), timeout=30)
        # The new beat waits out the dead one's lock (REDBEAT_LOCK_TIMEOUT), then takes it.
        wait_until(lambda: broker.get(LOCK) not in (None, old_token), timeout=30, interval=0.1)
        locked = time.monotonic()
        sending = stack.first_line(SENDING, after=locked, timeout=30)
        swept = stack.first_line(SWEPT, after=sending, timeout=30)
        time.sleep(1)  # a last poll or two after the recovery
    assert poller.count(killed) >= 10
    assert not poller.failures(killed), poller.failures(killed)
    assert "lms:beat" in stack.ctl("status") and "RUNNING" in stack.ctl("status", "lms:beat")
    report(capsys, "beat killed with SIGKILL (REDBEAT_LOCK_TIMEOUT=5):", {
        "killed -> restarted by supervisord": spawned - killed,
        "killed -> RedBeat lock held by the new beat": locked - killed,
        "killed -> due task sent again": sending - killed,
        "killed -> sent task processed by the worker": swept - killed,
    }, f"healthz and the progress read answered 200 throughout ({poller.count(killed)} polls)")


def test_redis_outage_of_ten_seconds_heals_without_human_action(stack, redis_server, learner, capsys):
    beat_pid, api_pid = stack.pid("lms:beat"), stack.pid("lms:api")
    with Poller(stack, learner) as poller:
        redis_server.kill()
        down = time.monotonic()
        # The API still takes attempts: stored in MongoDB, the work parked for the sweep.
        assert attempt(stack, learner, 1) == 202
        time.sleep(max(0.0, down + OUTAGE_SECONDS - time.monotonic()))
        redis_server.start()
        back = time.monotonic()
        relocked = stack.first_line(r"beat: re-acquired lock", after=back, timeout=30)
        sending = stack.first_line(SENDING, after=back, timeout=30)
        swept = stack.first_line(SWEPT, after=back, timeout=60)
        assert attempt(stack, learner, 2) == 202
        submitted = time.monotonic()
        wait_until(lambda: completion(stack, learner) == 75.0, timeout=60, interval=0.2)
        processed = time.monotonic()
        time.sleep(1)
    assert poller.count(down, back) >= 10
    assert not poller.failures(down), poller.failures(down)
    # Beat and the API (with its worker) rode the outage out: no crash, no restart.
    assert (stack.pid("lms:beat"), stack.pid("lms:api")) == (beat_pid, api_pid)
    assert stack.count(r"exited: ", after=down) == 0
    status = stack.ctl("status")
    assert status.count("RUNNING") == 3, status
    report(capsys, f"Redis killed, restarted {OUTAGE_SECONDS} s later:", {
        "Redis back -> beat re-acquired its lock": relocked - back,
        "Redis back -> beat sends due tasks again": sending - back,
        "Redis back -> worker processes them again": swept - back,
        "attempt after Redis back -> progress shows it": processed - submitted,
    }, f"healthz and the progress read answered 200 throughout ({poller.count(down, back)} "
       "polls during the outage); an attempt posted during it got 202")
