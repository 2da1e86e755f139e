"""Corrections made while the broker is down converge once it is back: the scenario runs in a
pytest process of its own, on a broker it kills and restarts (scenarios/corrections_outage.py)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis

from tests.reliability.conftest import _private_redis

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "tests/corrections/scenarios/corrections_outage.py"


def test_overrides_resets_and_erasures_made_while_the_broker_is_down_converge():
    cache = _private_redis()  # stays up: only the broker goes down
    broker = _private_redis()
    try:
        # No delayed recalculations: Celery 5.7's worker stops for good (AttributeError on
        # reconnect) when the broker dies while it holds a message with an ETA, and the scenario
        # kills the broker after work has flowed.
        env = {**os.environ, "TEST_REDIS_HOST": f"127.0.0.1:{cache.port}", "TEST_REDIS_DB": "0",
               "TEST_BROKER_URL": broker.url(0), "OUTAGE_BROKER_PORT": str(broker.port),
               "OUTAGE_BROKER_PID": str(broker.process.pid),
               "PROGRESS_RECALC_MIN_INTERVAL_MS": "0"}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", SCENARIO],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
        report = run.stdout[-6000:] + run.stderr[-3000:]
        assert run.returncode == 0, report
        assert "1 passed" in run.stdout, report
    finally:
        broker.kill()
        try:  # the scenario restarted the broker as its own child process
            redis.Redis(port=broker.port, socket_connect_timeout=1).shutdown(nosave=True)
        except redis.exceptions.ConnectionError:
            pass
        cache.kill()
