"""`make chaos`: the long versions of the fault scenarios, against the `make run` stack.

Starts `make run` on free ports with a redis-server of its own (cache DB 0, broker DB 1), enrolls
learners in a course of videos and one-question quizzes, and keeps them making attempts and
reading their progress and both boards; half of them spell the course id in upper case. Per
fault: steady load, the fault, more load, then the attempts stop (reads go on) and the staff
consistency endpoint (flows.consistency) is polled until every learner's progress and every
board equal a fresh computation from MongoDB. Prints a table: fault, what users saw meanwhile
(answers by status, the longest an accepted attempt stayed invisible in progress), time to
converge, what was lost. Exits 1 if anything was lost or did not converge within
PENDING_SWEEP_SECONDS + max(OUTBOX_REDELIVER_SECONDS, the sweep's 30 s grace for cut-short
attempts) + CHAOS_MARGIN_SECONDS.

Faults: cache DB flushed, broker DB flushed, both (FLUSHALL), the queues deleted (every queued
and unacked message lost), Redis killed for CHAOS_REDIS_DOWN_SECONDS and restarted empty,
Redis refusing writes for CHAOS_REFUSAL_SECONDS (its snapshots failing: MISCONF), concurrent
course edits; with MONGODB_URI set (a real MongoDB; the worker is then a process of
its own) also the worker killed with SIGKILL during recalculations and during a rebuild, and the
API killed with SIGKILL while attempts arrive. In embedded mode MongoDB lives in the API process
(so does the worker): killing it loses the data, and those rows say so.

Environment: CHAOS_LEARNERS (8), CHAOS_REDIS_DOWN_SECONDS (30), CHAOS_REFUSAL_SECONDS (15),
CHAOS_LOAD_SECONDS (6: load
before and after each fault), PENDING_SWEEP_SECONDS (10), OUTBOX_REDELIVER_SECONDS (20),
CHAOS_MARGIN_SECONDS (30), MONGODB_URI (unset: embedded mode, as `make run` by default).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from bench.stack import ADMIN_PASSWORD, LEARNER_PASSWORD, Client, Stack, expect, free_port

LEARNERS = int(os.environ.get("CHAOS_LEARNERS", "8"))
REDIS_DOWN_SECONDS = float(os.environ.get("CHAOS_REDIS_DOWN_SECONDS", "30"))
REFUSAL_SECONDS = float(os.environ.get("CHAOS_REFUSAL_SECONDS", "15"))
LOAD_SECONDS = float(os.environ.get("CHAOS_LOAD_SECONDS", "6"))
SWEEP_SECONDS = int(os.environ.get("PENDING_SWEEP_SECONDS", "10"))
REDELIVER_SECONDS = int(os.environ.get("OUTBOX_REDELIVER_SECONDS", "20"))
MARGIN_SECONDS = float(os.environ.get("CHAOS_MARGIN_SECONDS", "30"))
# The sweep finishes an attempt's cut-short follow-up once it is 30 s old (flows.sweep).
GRACE_SECONDS = 30
BUDGET_SECONDS = SWEEP_SECONDS + max(REDELIVER_SECONDS, GRACE_SECONDS) + MARGIN_SECONDS
ATTEMPT_PAUSE = 1.0  # seconds between one learner's attempts
ITEMS = 60
QUEUES = ("progress", "rebuild", "analytics", "celery", "unacked", "unacked_index")


class RedisServer:
    """The stack's redis-server, on a port of its own, without persistence: killed, it
    comes back empty."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir / "redis"
        self.process: subprocess.Popen | None = None

    def client(self, db: int) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        self.workdir.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client(0).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise SystemExit(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# --- learners -----------------------------------------------------------------------------------

@dataclass
class Learner:
    """One learner thread's state: what it was answered, and its accepted attempts."""

    token: str
    course_path: str  # with the course id as this learner spells it
    items: list[dict]
    baseline_seq: int = 0
    accepted: list[float] = field(default_factory=list)  # when each accepted attempt was answered
    seen_seq: int = 0


class Load:
    """Learner threads: attempt, read progress, read a board, pause; attempts can be paused."""

    def __init__(self, stack: Stack, learners: list[Learner]) -> None:
        self.stack, self.learners = stack, learners
        self.attempting = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.answers: Counter = Counter()
        self.staleness: float = 0.0  # longest an accepted attempt was not shown by a progress read
        self.threads = [threading.Thread(target=self._run, args=(learner,), daemon=True)
                        for learner in learners]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def window(self) -> tuple[Counter, float]:
        """What users saw since the last call: answers by status, and the staleness."""
        with self.lock:
            answers, staleness = self.answers, self.staleness
            self.answers, self.staleness = Counter(), 0.0
        return answers, staleness

    def _count(self, what: str, status: int) -> None:
        with self.lock:
            self.answers[f"{what} {status or 'refused'}"] += 1

    def _run(self, learner: Learner) -> None:
        client = Client(self.stack.host, learner.token)
        rng = random.Random(learner.token)
        while not self.stopping.is_set():
            started = time.monotonic()
            if self.attempting.is_set():
                self._attempt(client, learner, rng)
            self._read_progress(client, learner)
            board = rng.choice(("leaderboard/", "leaderboard/?window=week", "leaderboard/me/"))
            self._call(client, "board", "GET", learner.course_path + board)
            time.sleep(max(0.05, ATTEMPT_PAUSE - (time.monotonic() - started)))

    def _call(self, client: Client, what: str, method: str, path: str,
              body: dict | None = None) -> tuple[int, dict]:
        try:
            status, payload = client.call(method, path, body)
        except (OSError, http.client.HTTPException):  # the API process is down or restarting
            status, payload = 0, {}
        self._count(what, status)
        return status, payload

    def _attempt(self, client: Client, learner: Learner, rng: random.Random) -> None:
        item = rng.choice(learner.items)
        body = ({"content_id": item["id"], "completed": True} if item["kind"] == "video"
                else {"content_id": item["id"], "answers": [rng.randint(0, 1)]})
        status, _ = self._call(client, "attempt", "POST", learner.course_path + "attempts/", body)
        if status == 202:
            with self.lock:
                learner.accepted.append(time.monotonic())

    def _read_progress(self, client: Client, learner: Learner) -> None:
        status, body = self._call(client, "progress", "GET",
                                  learner.course_path + "progress/?fields=seq")
        if status != 200 or "seq" not in body:
            return
        now = time.monotonic()
        with self.lock:
            learner.seen_seq = body["seq"]
            shown = body["seq"] - learner.baseline_seq
            if shown < len(learner.accepted):
                self.staleness = max(self.staleness, now - learner.accepted[max(0, shown)])


# --- the run ------------------------------------------------------------------------------------

@dataclass
class Row:
    fault: str
    saw: str
    converged: str
    lost: str
    ok: bool


class Chaos:
    def __init__(self, stack: Stack, server: RedisServer) -> None:
        self.stack, self.server = stack, server
        self.admin = Client(stack.host)
        self.rows: list[Row] = []
        self.course_id = ""
        self.load: Load | None = None

    def setup(self) -> None:
        self.admin.token = expect(self.admin.call("POST", "/api/v1/auth/token/", {
            "username": "admin", "password": ADMIN_PASSWORD}), 200)["token"]
        items = [{"title": f"Video {n}", "kind": "video"} if n % 2 else
                 {"title": f"Quiz {n}", "kind": "quiz", "questions": [
                     {"prompt": "1+1?", "choices": ["2", "3"], "answer": 0, "marks": 1 + n % 5}]}
                 for n in range(ITEMS)]
        course = expect(self.admin.call("POST", "/api/v1/courses/", {
            "title": "Chaos", "slug": f"chaos-{random.randrange(10**9)}", "unlock_mode": "open",
            "published": True, "sections": [{"title": "All", "lessons": [
                {"title": "One", "items": items}]}]}), 201)
        self.course_id = course["id"]
        stored = course["sections"][0]["lessons"][0]["items"]
        learners = []
        for n in range(LEARNERS):
            username = f"chaos{n}-{random.randrange(10**6)}"
            expect(self.admin.call("POST", "/api/v1/users/", {
                "username": username, "password": LEARNER_PASSWORD, "display_name": username}), 201)
            token = expect(Client(self.stack.host).call("POST", "/api/v1/auth/token/", {
                "username": username, "password": LEARNER_PASSWORD}), 200)["token"]
            # Half the learners spell the course id in upper case: one set of keys all the same.
            spelled = self.course_id.upper() if n % 2 else self.course_id
            path = f"/api/v1/courses/{spelled}/"
            expect(Client(self.stack.host, token).call("POST", path + "enroll/"), 201)
            learners.append(Learner(token, path, stored))
        self.load = Load(self.stack, learners)
        self.load.start()
        self._converge(time.monotonic())
        for learner in learners:
            learner.baseline_seq = learner.seen_seq = self._seq(learner)

    def _seq(self, learner: Learner) -> int:
        return expect(Client(self.stack.host, learner.token).call(
            "GET", learner.course_path + "progress/?fields=seq"), 200)["seq"]

    def _consistent(self) -> dict | None:
        try:
            status, body = self.admin.call("GET", f"/api/v1/courses/{self.course_id}/consistency/")
        except (OSError, http.client.HTTPException):
            return None
        return body if status == 200 else None

    def _converge(self, since: float) -> tuple[float | None, dict | None]:
        """Seconds from `since` until the check is clean (None if the budget ran out)."""
        deadline = since + BUDGET_SECONDS
        report = None
        while time.monotonic() < deadline:
            report = self._consistent()
            if report and report["ok"]:
                return time.monotonic() - since, report
            time.sleep(0.5)
        return None, report

    def _lost(self) -> int:
        """Accepted attempts that progress does not count (each merge raises `seq` by one)."""
        lost = 0
        for learner in self.load.learners:
            lost += max(0, len(learner.accepted) - (self._seq(learner) - learner.baseline_seq))
        return lost

    def fault(self, name: str, inject: Callable[[], float | None]) -> None:
        """Load, the fault (`inject` returns when it ended), load, then wait for convergence."""
        print(f"... {name}", flush=True)
        self.load.window()
        self.load.attempting.set()
        time.sleep(LOAD_SECONDS)
        ended = inject() or time.monotonic()
        time.sleep(LOAD_SECONDS)
        self.load.attempting.clear()
        stopped = time.monotonic()
        seconds, report = self._converge(stopped)
        answers, staleness = self.load.window()
        lost = self._lost() if seconds is not None else -1
        saw = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))
        saw += f"; progress up to {staleness:.1f} s behind"
        if seconds is None:
            converged = f"NOT within {BUDGET_SECONDS:.0f} s: {report}"
        else:
            converged = (f"{seconds:.1f} s after the last attempt "
                         f"({stopped - ended + seconds:.1f} s after the fault ended)")
        ok = seconds is not None and lost == 0
        lost_text = "nothing" if lost == 0 else ("unknown" if lost < 0 else f"{lost} attempt(s)")
        self.rows.append(Row(name, saw, converged, lost_text, ok))

    def skip(self, name: str, why: str) -> None:
        self.rows.append(Row(name, "-", f"not run: {why}", "-", True))

    # --- the faults ---

    def flush(self, *dbs: int) -> Callable[[], None]:
        def inject() -> None:
            for db in dbs:
                self.server.client(db).flushdb()
        return inject

    def flushall(self) -> None:
        self.server.client(0).flushall()

    def queues_delete(self) -> None:
        self.server.client(1).delete(*QUEUES)

    def redis_down(self) -> float:
        self.server.kill()
        time.sleep(REDIS_DOWN_SECONDS)
        self.server.start()
        return time.monotonic()

    def writes_refused(self) -> float:
        """Persistence failing (a full disk, say): Redis refuses every write (MISCONF), the
        broker's included, for REFUSAL_SECONDS; then the operator's fix."""
        client = self.server.client(0)
        shutil.rmtree(self.server.workdir)  # where the snapshot would go is gone
        client.config_set("save", "3600 1")
        client.bgsave()
        deadline = time.monotonic() + 10
        while client.info("persistence")["rdb_last_bgsave_status"] != "err":
            if time.monotonic() > deadline:
                raise SystemExit("could not make Redis refuse writes (its snapshot did not fail)")
            time.sleep(0.1)
        time.sleep(REFUSAL_SECONDS)
        client.config_set("save", "")
        self.server.workdir.mkdir()
        return time.monotonic()

    def edits(self) -> None:
        """Two editors add an item at the same moment, five rounds: one edit per round is
        stored, the other answered 412 (or 409)."""
        url = f"/api/v1/courses/{self.course_id}/"
        barrier = threading.Barrier(2)
        outcomes: Counter = Counter()

        def editor(name: str) -> None:
            client = Client(self.stack.host, self.admin.token)
            for n in range(5):
                status, course = client.call("GET", url)
                if status == 200:
                    course["sections"][0]["lessons"][0]["items"].append(
                        {"title": f"{name} {n}", "kind": "video"})
                # The revision read is the ETag the edit names.
                barrier.wait(timeout=60)
                status, _ = _put_if_match(self.stack.host, self.admin.token, url, course)
                outcomes[status] += 1
                barrier.wait(timeout=60)

        threads = [threading.Thread(target=editor, args=(name,)) for name in ("ann", "bea")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(f"    edits answered {dict(outcomes)}", flush=True)
        if outcomes[200] != 5:
            raise SystemExit(f"concurrent edits: {dict(outcomes)}, expected 5 stored")

    def kill(self, program: str, before: Callable[[], None] | None = None) -> Callable[[], None]:
        def inject() -> None:
            if before:
                before()
            pid = self.stack.pid(program)
            if pid:
                os.kill(pid, signal.SIGKILL)
        return inject

    def rebuild(self) -> None:
        self.admin.call("POST", f"/api/v1/courses/{self.course_id}/leaderboard/rebuild/")
        time.sleep(0.05)

    def case_variants(self) -> None:
        upper = self.course_id.upper()
        keys = [key.decode() for db in (0, 1) for key in self.server.client(db).scan_iter(count=1000)]
        spelled = [key for key in keys if upper in key]
        self.rows.append(Row("case-variant ids (half the learners use the upper-case id)",
                             f"{len(keys)} Redis keys, {len(spelled)} with the upper-case id",
                             "one set of keys", "nothing" if not spelled else "split keys",
                             not spelled))


def _put_if_match(host: tuple[str, int], token: str, path: str, body: dict) -> tuple[int, dict]:
    """PUT with If-Match: the revision the body was read at."""
    conn = http.client.HTTPConnection(*host, timeout=60)
    try:
        conn.request("PUT", path, body=json.dumps(body).encode(), headers={
            "Content-Type": "application/json", "Authorization": f"Token {token}",
            "If-Match": f'"{body.get("revision", 0)}"'})
        response = conn.getresponse()
        return response.status, {}
    finally:
        conn.close()


def main() -> int:
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found: apt-get install -y redis-server")
    workdir = Path(tempfile.mkdtemp(prefix="chaos-"))
    server = RedisServer(workdir)
    server.start()
    stack = Stack(workdir, redis_port=server.port, env={
        "PENDING_SWEEP_SECONDS": str(SWEEP_SECONDS), "OUTBOX_REDELIVER_SECONDS": str(REDELIVER_SECONDS),
        "BEAT_MAX_LOOP_INTERVAL": "1", "REDBEAT_LOCK_TIMEOUT": "10", "STOP_TIMEOUT": "10"})
    try:
        print(f"starting the stack (make run; log {stack.log_path}) ...", flush=True)
        stack.wait_healthy()
        return run(Chaos(stack, server))
    finally:
        stack.stop()
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def run(chaos: Chaos) -> int:
    embedded = not os.environ.get("MONGODB_URI")
    chaos.setup()
    print(f"store: {'embedded (mongomock)' if embedded else 'MongoDB'}; {LEARNERS} learners, "
          f"one attempt each per {ATTEMPT_PAUSE:.0f} s; sweep every {SWEEP_SECONDS} s, lost work "
          f"due after {REDELIVER_SECONDS} s; budget {BUDGET_SECONDS:.0f} s", flush=True)
    chaos.fault("cache DB flushed (FLUSHDB 0)", chaos.flush(0))
    chaos.fault("broker DB flushed (FLUSHDB 1)", chaos.flush(1))
    chaos.fault("both flushed (FLUSHALL)", chaos.flushall)
    chaos.fault("queues deleted (queued and unacked messages lost)", chaos.queues_delete)
    chaos.fault(f"Redis killed, restarted empty {REDIS_DOWN_SECONDS:.0f} s later", chaos.redis_down)
    chaos.fault(f"Redis refusing writes {REFUSAL_SECONDS:.0f} s (MISCONF: snapshots failing)",
                chaos.writes_refused)
    chaos.fault("concurrent course edits (If-Match)", chaos.edits)
    kills = [("worker kill -9 during recalculations", "lms:worker", None),
             ("worker kill -9 during a rebuild", "lms:worker", chaos.rebuild),
             ("API kill -9 while attempts arrive", "lms:api", None)]
    for name, program, before in kills:
        if embedded:
            chaos.skip(name, "embedded MongoDB lives in the API process (set MONGODB_URI)")
        else:
            chaos.fault(name, chaos.kill(program, before))
    chaos.skip("MongoDB errors longer than the retry window",
               "injected at the driver in tests/reliability/test_faults.py")
    chaos.case_variants()
    chaos.load.stopping.set()
    print()
    print("| fault | what users saw meanwhile | time to converge | lost |")
    print("|---|---|---|---|")
    for row in chaos.rows:
        print(f"| {row.fault} | {row.saw} | {row.converged} | {row.lost} |")
    failed = [row.fault for row in chaos.rows if not row.ok]
    print(f"\n{'FAIL: ' + ', '.join(failed) if failed else 'PASS'}: nothing may be lost, and "
          f"everything must converge within {BUDGET_SECONDS:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
