"""Redis flushed or restarted empty under load converges: the scenarios run in a pytest process
of their own on a private redis-server (see scenarios/redis_flush.py)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import redis

from tests.reliability.conftest import _private_redis

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "tests/reliability/scenarios/redis_flush.py"


def test_redis_flushes_refusals_and_an_empty_restart_under_load_converge(tmp_path):
    workdir = tempfile.mkdtemp(dir=tmp_path)  # the scenario removes it to make snapshots fail
    server = _private_redis(workdir=workdir)
    try:
        env = {**os.environ, "TEST_REDIS_HOST": f"127.0.0.1:{server.port}", "TEST_REDIS_DB": "0",
               "FLUSH_REDIS_PORT": str(server.port), "FLUSH_REDIS_PID": str(server.process.pid),
               "FLUSH_REDIS_DIR": workdir,
               # No delayed messages: a worker whose broker dies while it holds one stops for good
               # (Celery 5.7), which is not what these scenarios are about.
               "PROGRESS_RECALC_MIN_INTERVAL_MS": "0"}
        env.pop("TEST_BROKER_URL", None)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:randomly",
             "-p", "no:logging", SCENARIO],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
        report = run.stdout[-6000:] + run.stderr[-3000:]
        assert run.returncode == 0, report
        assert "5 passed" in run.stdout, report
        print(*[line for line in run.stdout.splitlines() if line.startswith("[fault]")], sep="\n")
    finally:
        server.kill()
        try:  # the scenario restarted the server as its own child process
            redis.Redis(port=server.port, socket_connect_timeout=1).shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass
