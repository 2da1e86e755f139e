"""`make bench-load`: the service started as `make run` starts it, driven by a client app at
fixed attempt rates, stepped up until it saturates.

Each step submits video attempts (`completed: true`) at a fixed rate, spread over BENCH_LEARNERS
learners (one thread each, a fresh item per attempt), while every learner polls its progress
4 times a second (a thread each, asking `?fields=completed_items` as a client watching for the
tick would). Per rate it prints the 202's p50/p95, attempt → visible in progress p50/p95/p99
(from sending the attempt to the first poll that counts it), the backlog (accepted, not yet
visible) at the step's end, and the CPU seconds all of the stack's processes used per accepted
attempt (from /proc; the readers' load included).

Then, with no readers, the CPU per accepted attempt is set against that of a trivial
authenticated POST plus one empty Celery task, measured in the same run.

Environment: BENCH_RATES (10,20,30,40,50,60,70,80), BENCH_STEP_SECONDS (15), BENCH_LEARNERS (50),
MONGODB_URI (unset: embedded mode, as `make run` by default), BENCH_PREFILL ("10000,100000":
embedded mode starts with that many other learners and attempts already stored, see bench/fill.py).
Exits 1 when a target fails.
"""
from __future__ import annotations

import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.stack import ADMIN_PASSWORD, LEARNER_PASSWORD, ROOT, Client, Stack, expect

RATES = [int(r) for r in os.environ.get("BENCH_RATES", "10,20,30,40,50,60,70,80").split(",")]
STEP_SECONDS = float(os.environ.get("BENCH_STEP_SECONDS", "15"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "50"))
POLL_INTERVAL = 0.25
VISIBLE_P95_GOAL = 1.0
KNEE_GOAL = 60
CPU_RATIO_GOAL = 2.0
CPU_SAMPLES = 300
PREFILL = os.environ.get("BENCH_PREFILL", "")


# --- the client app -----------------------------------------------------------------------------

@dataclass
class Learner:
    """One learner: its token, its items in order, and what it submitted and saw."""

    username: str
    token: str
    items: list[str]
    next_item: int = 0
    baseline: int = 0  # completed items before this run (a prefilled store)
    sent: list[float] = field(default_factory=list)  # send time of attempt k (k = index)
    accepted_latency: list[float] = field(default_factory=list)
    visible: dict[int, float] = field(default_factory=dict)  # attempt index -> seen at
    lock: threading.Lock = field(default_factory=threading.Lock)


def course_create(admin: Client, items: int) -> tuple[str, list[str]]:
    lessons = [{"title": f"Lesson {n}", "items": [
        {"title": f"Video {n}.{k}", "kind": "video"} for k in range(20)]}
        for n in range(items // 20)]
    body = expect(admin.call("POST", "/api/v1/courses/", {
        "title": "Load", "slug": f"load-{random.randrange(10**9)}", "unlock_mode": "open",
        "published": True, "sections": [{"title": "All", "lessons": lessons}]}), 201)
    ids = [item["id"] for section in body["sections"] for lesson in section["lessons"]
           for item in lesson["items"]]
    return body["id"], ids


def learners_create(stack: Stack, admin: Client, course_id: str, items: list[str]) -> list[Learner]:
    learners = []
    for n in range(LEARNERS):
        username = f"load{n}-{random.randrange(10**6)}"
        expect(admin.call("POST", "/api/v1/users/",
                           {"username": username, "password": LEARNER_PASSWORD,
                            "display_name": username}), 201)
        token = expect(Client(stack.host).call("POST", "/api/v1/auth/token/", {
            "username": username, "password": LEARNER_PASSWORD}), 200)["token"]
        expect(Client(stack.host, token).call("POST", f"/api/v1/courses/{course_id}/enroll/"), 201)
        learners.append(Learner(username, token, items))
    return learners


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Step:
    """One rate: fixed-rate submissions over the learners while each polls its progress."""

    def __init__(self, stack: Stack, course_id: str, learners: list[Learner], rate: int,
                 seconds: float, *, readers: bool = True):
        self.stack, self.course_id, self.learners = stack, course_id, learners
        self.rate, self.seconds, self.readers = rate, seconds, readers
        self.first = {learner.username: len(learner.sent) for learner in learners}
        self.errors: list[str] = []
        self.stop_polling = threading.Event()

    def run(self) -> dict:
        inboxes = {learner.username: queue.Queue() for learner in self.learners}
        submitters = [threading.Thread(target=self._submit, args=(learner, inboxes[learner.username]),
                                       daemon=True) for learner in self.learners]
        pollers = [threading.Thread(target=self._poll, args=(learner,), daemon=True)
                   for learner in self.learners] if self.readers else []
        for thread in submitters + pollers:
            thread.start()
        cpu_before, started = self.stack.cpu_seconds(), time.monotonic()
        total = int(self.rate * self.seconds)
        for k in range(total):
            due = started + k / self.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            inboxes[self.learners[k % len(self.learners)].username].put(due)
        for inbox in inboxes.values():
            inbox.put(None)
        for thread in submitters:
            thread.join()
        ended = time.monotonic()
        cpu = self.stack.cpu_seconds() - cpu_before
        backlog = self._not_visible()
        if not self.readers:
            self._poll_until_visible(timeout=60)
        else:
            drain_deadline = time.monotonic() + 60
            while self._not_visible() and time.monotonic() < drain_deadline:
                time.sleep(0.2)
        self.stop_polling.set()
        for thread in pollers:
            thread.join()
        accepted = [lat for learner in self.learners
                    for lat in learner.accepted_latency[self.first[learner.username]:]]
        visible = [learner.visible[k] - learner.sent[k] for learner in self.learners
                   for k in range(self.first[learner.username], len(learner.sent))
                   if k in learner.visible]
        return {"rate": self.rate, "accepted": len(accepted), "wall": ended - started,
                "p50_202": percentile(accepted, 50), "p95_202": percentile(accepted, 95),
                "vis_p50": percentile(visible, 50), "vis_p95": percentile(visible, 95),
                "vis_p99": percentile(visible, 99), "backlog": backlog,
                "never_visible": self._not_visible(), "cpu": cpu,
                "cpu_per_attempt": cpu / max(1, len(accepted)), "errors": self.errors[:5]}

    def _submit(self, learner: Learner, inbox: queue.Queue) -> None:
        client = Client(self.stack.host, learner.token)
        while inbox.get() is not None:
            item = learner.items[learner.next_item]
            learner.next_item += 1
            sent = time.monotonic()
            with learner.lock:
                learner.sent.append(sent)
            status, body = client.call("POST", f"/api/v1/courses/{self.course_id}/attempts/",
                                       {"content_id": item, "completed": True})
            if status != 202:
                self.errors.append(f"{status} {json.dumps(body)[:200]}")
            learner.accepted_latency.append(time.monotonic() - sent)

    def _seen(self, learner: Learner, client: Client) -> None:
        status, body = client.call(
            "GET", f"/api/v1/courses/{self.course_id}/progress/?fields=completed_items")
        now = time.monotonic()
        if status != 200:
            self.errors.append(f"progress {status} {json.dumps(body)[:200]}")
            return
        with learner.lock:
            # A prefilled store may hold earlier completions: count from this run's first.
            for k in range(min(body["completed_items"] - learner.baseline, len(learner.sent))):
                learner.visible.setdefault(k, now)

    def _poll(self, learner: Learner) -> None:
        client = Client(self.stack.host, learner.token)
        time.sleep(random.random() * POLL_INTERVAL)
        while not self.stop_polling.is_set():
            started = time.monotonic()
            self._seen(learner, client)
            time.sleep(max(0.0, POLL_INTERVAL - (time.monotonic() - started)))

    def _poll_until_visible(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        clients = {learner.username: Client(self.stack.host, learner.token)
                   for learner in self.learners}
        while self._not_visible() and time.monotonic() < deadline:
            for learner in self.learners:
                self._seen(learner, clients[learner.username])
            time.sleep(0.5)

    def _not_visible(self) -> int:
        return sum(1 for learner in self.learners
                   for k in range(self.first[learner.username], len(learner.sent))
                   if k not in learner.visible)


# --- the CPU baseline ---------------------------------------------------------------------------

def queued_messages(stack: Stack) -> int:
    """Messages waiting in any queue of the broker (every list in its Redis DB)."""
    import redis

    broker = redis.Redis.from_url(stack.broker_url)
    return sum(broker.llen(key) for key in broker.scan_iter(_type="list"))


def wait_quiet(stack: Stack, timeout: float = 180) -> None:
    """Wait until the work a step left behind (board updates, activity, events) has run."""
    deadline = time.monotonic() + timeout
    while queued_messages(stack) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)  # the last messages run after they leave their list; delayed ones come due


def idle_cpu_rate(stack: Stack, seconds: float = 5) -> float:
    """CPU seconds per second the stack uses doing nothing (beat, Flower, heartbeats)."""
    wait_quiet(stack)
    before, started = stack.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (stack.cpu_seconds() - before) / (time.monotonic() - started)


def baseline_cpu(stack: Stack, course_id: str, learner: Learner, idle_rate: float) -> float:
    """CPU per (trivial authenticated POST + one empty task), idle use taken out."""
    import redis
    from celery import Celery

    client = Client(stack.host, learner.token)
    app = Celery(broker=stack.broker_url)
    broker = redis.Redis.from_url(stack.broker_url)
    before, started = stack.cpu_seconds(), time.monotonic()
    for _ in range(CPU_SAMPLES):
        # A GET-only endpoint: authentication and permissions run, then 405.
        status, _ = client.call("POST", f"/api/v1/courses/{course_id}/leaderboard/me/")
        if status != 405:
            raise SystemExit(f"trivial POST answered {status}, not 405")
        # celery.accumulate is Celery's built-in task that returns its argument.
        app.send_task("celery.accumulate", args=(1,), queue="celery")
    deadline = time.monotonic() + 60
    while broker.llen("celery") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)  # the last messages run after they leave the list
    elapsed = time.monotonic() - started
    return (stack.cpu_seconds() - before - idle_rate * elapsed) / CPU_SAMPLES


def attempt_cpu(stack: Stack, course_id: str, learners: list[Learner], idle_rate: float) -> float:
    """CPU per accepted attempt, from POST to visible progress, with no readers."""
    step = Step(stack, course_id, learners, rate=20, seconds=CPU_SAMPLES / 20, readers=False)
    before, started = stack.cpu_seconds(), time.monotonic()
    result = step.run()
    wait_quiet(stack)  # every task the attempts caused, not only the recalculation, has run
    elapsed = time.monotonic() - started
    return (stack.cpu_seconds() - before - idle_rate * elapsed) / max(1, result["accepted"])


# --- main ---------------------------------------------------------------------------------------

def main() -> int:
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found: apt-get install -y redis-server")
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    snapshot = prefill(workdir) if PREFILL else None
    stack = Stack(workdir, env={"EMBEDDED_SNAPSHOT": str(snapshot)} if snapshot else None)
    try:
        return _run(stack)
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def prefill(workdir: Path) -> Path:
    """Run bench.fill into the stack's SQL database and a snapshot its API process loads."""
    if os.environ.get("MONGODB_URI"):
        raise SystemExit("BENCH_PREFILL fills embedded mode; unset MONGODB_URI")
    try:
        learners, attempts = (int(n) for n in PREFILL.split(","))
    except ValueError:
        raise SystemExit(f"BENCH_PREFILL must be LEARNERS,ATTEMPTS (e.g. 10000,100000), not {PREFILL!r}") from None
    snapshot = workdir / "prefill.bson.gz"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "DEBUG": "1",
           "SECRET_KEY": "bench-fill-" + "x" * 50, "LOG_LEVEL": "WARNING"}
    print(f"filling the store: {learners:,} learners, {attempts:,} attempts ...", flush=True)
    subprocess.run([sys.executable, "-m", "bench.fill", str(snapshot), str(learners), str(attempts)],
                   cwd=ROOT, env=env, check=True)
    return snapshot


def _run(stack: Stack) -> int:
    print(f"starting the stack (make run; log {stack.log_path}) ...", flush=True)
    stack.wait_healthy()
    admin = Client(stack.host)
    admin.token = expect(admin.call("POST", "/api/v1/auth/token/", {
        "username": "admin", "password": ADMIN_PASSWORD}), 200)["token"]
    per_learner = int(sum(RATES) * STEP_SECONDS / LEARNERS) + CPU_SAMPLES // LEARNERS + 40
    course_id, items = course_create(admin, items=20 * (per_learner // 20 + 1))
    learners = learners_create(stack, admin, course_id, items)
    store = "embedded (mongomock)" if not os.environ.get("MONGODB_URI") else "MongoDB"
    if PREFILL:
        store += " prefilled with {:,} learners and {:,} attempts".format(*map(int, PREFILL.split(",")))
    print(f"store: {store}; course of {len(items)} video items; {LEARNERS} learners, "
          f"each polling every {POLL_INTERVAL}s; {STEP_SECONDS:.0f}s per rate", flush=True)
    header = (f"{'rate/s':>6} {'accepted':>8} {'202 p50':>8} {'202 p95':>8} {'vis p50':>8} "
              f"{'vis p95':>8} {'vis p99':>8} {'backlog':>8} {'CPU s/att':>9}")
    print(header)
    print("-" * len(header), flush=True)
    knee, results = 0, []
    for rate in RATES:
        result = Step(stack, course_id, learners, rate, STEP_SECONDS).run()
        results.append(result)
        print(f"{rate:>6} {result['accepted']:>8} {result['p50_202'] * 1000:>6.0f}ms "
              f"{result['p95_202'] * 1000:>6.0f}ms {result['vis_p50']:>7.2f}s "
              f"{result['vis_p95']:>7.2f}s {result['vis_p99']:>7.2f}s {result['backlog']:>8} "
              f"{result['cpu_per_attempt']:>9.4f}", flush=True)
        for error in result["errors"]:
            print(f"       error: {error}")
        keeps_up = result["vis_p95"] <= VISIBLE_P95_GOAL and result["backlog"] <= rate
        if keeps_up:
            knee = max(knee, rate)
        elif result["vis_p95"] > 5 * VISIBLE_P95_GOAL:
            print("       saturated: the higher rates are skipped")
            break
    idle = idle_cpu_rate(stack)
    per_attempt = attempt_cpu(stack, course_id, learners, idle)
    per_floor = baseline_cpu(stack, course_id, learners[0], idle)
    ratio = per_attempt / per_floor if per_floor > 0 else float("inf")
    print(f"\nCPU (all stack processes, idle use {idle:.3f} s/s taken out): "
          f"{per_attempt * 1000:.1f} ms per accepted attempt (to visible progress), "
          f"{per_floor * 1000:.1f} ms per trivial authenticated POST + one empty task")
    targets = [
        (f"knee (highest rate with attempt->visible p95 <= {VISIBLE_P95_GOAL:.0f}s, backlog <= "
         f"1 s of work) = {knee}/s (goal >= {KNEE_GOAL}/s)", knee >= KNEE_GOAL),
        (f"cpu_per_attempt_vs_floor = {ratio:.2f} (goal <= {CPU_RATIO_GOAL})",
         ratio <= CPU_RATIO_GOAL),
    ]
    for text, ok in targets:
        print(f"target: {text} {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
