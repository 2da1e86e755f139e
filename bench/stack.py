"""A `make run` stack for the benchmarks and `make chaos`: started in a session of its own on
free ports, reached over keep-alive HTTP, stopped with everything it started."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "bench-admin-passphrase-7"
LEARNER_PASSWORD = "bench-learner-passphrase-7"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """`make run` in a session of its own, on free ports. Without `redis_port` nothing listens
    on the Redis address it is given, so scripts/run starts a redis-server under supervisord."""

    def __init__(self, workdir: Path, *, redis_port: int | None = None,
                 env: dict[str, str] | None = None):
        self.api_port, self.flower_port = free_port(), free_port()
        redis_port = redis_port or free_port()
        self.run_dir = workdir / "run"
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
        environment.update({
            "API_PORT": str(self.api_port), "FLOWER_PORT": str(self.flower_port),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/1",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "RUN_DIR": str(self.run_dir),
            "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
            "FLOWER_BASIC_AUTH": "admin:bench-flower-passphrase-7",
            # The client is one address and its learners submit faster than a person would.
            "THROTTLE_ATTEMPTS": "100000/m", "THROTTLE_LOGIN_ADDRESS": "100000/m",
            "THROTTLE_USER_CREATE": "100000/h",
            **(env or {}),
        })
        self.broker_url = environment["CELERY_BROKER_URL"]
        self.log_path = workdir / "stack.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT,
                                        env=environment, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def host(self) -> tuple[str, int]:
        return "127.0.0.1", self.api_port

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"make run exited ({self.process.returncode}); see {self.log_path}")
            try:
                if Client(self.host).call("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the stack did not get ready within {timeout}s; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of every live process of the stack's session."""
        total = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command: state(0) ppid(1) pgrp(2) session(3) ... utime(11) stime(12)
            if int(fields[3]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def pid(self, program: str) -> int:
        """The pid of one of the stack's programs (0 when it is not running)."""
        result = subprocess.run(
            [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(self.run_dir / "supervisord.conf"),
             "pid", program], capture_output=True, text=True, timeout=30)
        return int(result.stdout.strip() or 0)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: tuple[str, int], token: str | None = None):
        self.host, self.token = host, token
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(*self.host, timeout=60)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, (json.loads(raw) if raw.startswith(b"{") else {})
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def expect(result: tuple[int, dict], *statuses: int) -> dict:
    status, body = result
    if status not in statuses:
        raise SystemExit(f"unexpected answer {status}: {json.dumps(body)[:300]}")
    return body
