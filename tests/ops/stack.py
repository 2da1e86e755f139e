"""A real `make run` stack for tests: start it, read its output, call its API, stop it."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
# The stack's first admin (it must pass the password validators) and Flower login.
ADMIN_PASSWORD = "stack-admin-passphrase-7"
FLOWER_LOGIN = "admin:stack-flower-passphrase-7"
# Variables of the test process that must not reach the stack (it runs with its own settings).
DROPPED = ("DJANGO_SETTINGS_MODULE", "MONGODB_URI", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")


def free_ports(count: int) -> list[int]:
    """Distinct free ports from the suite's range for private servers, picked at random:
    other checkouts' suites on this machine take the lowest free ones."""
    candidates = random.sample(range(18500, 18900), 400)
    ports: list[int] = []
    for port in candidates:
        if len(ports) == count:
            break
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    return ports


class PrivateRedis:
    """A redis-server on a port of its own that a test may kill and start again."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir = port, workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers():
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: nothing is flushed or closed politely, as when a server dies."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.exceptions.ConnectionError:
            return False

    def client(self, db: int) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, socket_connect_timeout=1, socket_timeout=2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Stack:
    """`make run` in a session of its own (so a test can Ctrl-C it), output timestamped."""

    def __init__(self, workdir: Path, *, redis_port: int, **env: str):
        # The Redis port may be free too (nothing listens there when scripts/run starts one).
        self.api_port, self.flower_port = [p for p in free_ports(3) if p != redis_port][:2]
        self.run_dir = workdir / "run"
        self.log_path = workdir / "stack.log"
        self.lines: list[tuple[float, str]] = []
        self.env = {key: value for key, value in os.environ.items() if key not in DROPPED}
        self.env.update({
            "API_PORT": str(self.api_port), "FLOWER_PORT": str(self.flower_port),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/1",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}", "RUN_DIR": str(self.run_dir),
            "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
            "FLOWER_BASIC_AUTH": FLOWER_LOGIN,
            **env})
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run"], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with self.log_path.open("w") as log:
            for raw in self.process.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                self.lines.append((time.monotonic(), line))
                log.write(line + "\n")
                log.flush()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def first_line(self, pattern: str, *, after: float = 0.0, timeout: float = 30) -> float:
        """When the first output line matching pattern (a regex) after `after` was read."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            for stamp, line in list(self.lines):
                if stamp > after and regex.search(line):
                    return stamp
            if self.process.poll() is not None and not self._reader.is_alive():
                pytest.fail(f"make run exited ({self.process.returncode}) before {pattern!r}; "
                            f"see {self.log_path}")
            if time.monotonic() > deadline:
                pytest.fail(f"no output line matching {pattern!r} within {timeout}s; "
                            f"see {self.log_path}")
            time.sleep(0.05)

    def count(self, pattern: str, *, after: float = 0.0) -> int:
        regex = re.compile(pattern)
        return sum(1 for stamp, line in list(self.lines) if stamp > after and regex.search(line))

    def ctl(self, *args: str) -> str:
        """supervisorctl against this stack's generated config, as an operator runs it."""
        result = subprocess.run(
            [str(ROOT / ".venv/bin/supervisorctl"), "-c", str(self.run_dir / "supervisord.conf"),
             *args], capture_output=True, text=True, timeout=30)
        return result.stdout

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", program).strip() or 0)

    def process_pids(self) -> list[int]:
        """Every process of the stack: make, scripts/run, supervisord and its programs."""
        pgid = self.process.pid
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == pgid]
        for line in self.ctl("status").splitlines():
            match = re.search(r"RUNNING\s+pid (\d+)", line)
            if match:
                pids.append(int(match.group(1)))
        return sorted(set(pids))

    def interrupt(self) -> None:
        """Ctrl-C: the terminal sends SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def stop(self) -> None:
        """Ctrl-C, then make sure nothing of the stack is left, whatever happened."""
        if self.process.poll() is None:
            pids = self.process_pids()
            self.interrupt()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
            for pid in pids:
                _kill_group(pid)
        self._reader.join(timeout=10)

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             *, timeout: float = 10) -> tuple[int, dict]:
        """One JSON request to the API; (0, {}) when the connection itself failed."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        except OSError:
            return 0, {}
        try:
            return status, json.loads(payload) if payload else {}
        except ValueError:
            return status, {}


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def _kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"
