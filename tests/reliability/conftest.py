"""Private redis-server processes a test can kill and restart."""
from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import free_port

# Ports this suite may use for its own servers (other suites on the machine use other ranges).
PRIVATE_PORTS = range(18500, 18600)


class PrivateRedis:
    """One redis-server process on a fixed port, without persistence: killing it loses its data.
    `workdir`: its working directory (where a snapshot would go); else the current one."""

    def __init__(self, port: int, workdir: str | None = None) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no",
             *(["--dir", self.workdir] if self.workdir else [])],
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


def _private_redis(*, workdir: str | None = None) -> PrivateRedis:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port(PRIVATE_PORTS), workdir)
    server.start()
    return server


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this test only."""
    server = _private_redis()
    yield server
    server.kill()
