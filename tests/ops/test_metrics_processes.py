"""Metrics across processes: samples written by several processes add up in one exposition, and
a separate worker serves its pool's samples on WORKER_METRICS_PORT. Real processes throughout."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app as celery_app
from tests.conftest import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]

RECORD = """
from config.metrics import ATTEMPTS_ACCEPTED, TASK_DURATION, metric_inc, metric_observe
for _ in range({times}):
    metric_inc(metric=ATTEMPTS_ACCEPTED, labels={{"kind": "video"}})
metric_observe(metric=TASK_DURATION, labels={{"task": "T"}}, value=0.2)
"""
EXPOSE = """
from prometheus_client import generate_latest
from config.metrics import metrics_registry
print(generate_latest(metrics_registry()).decode())
"""


def samples(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def python(code: str, env: dict) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_samples_of_several_processes_add_up_in_one_scrape(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    python(RECORD.format(times=3), env)
    python(RECORD.format(times=4), env)
    exposed = samples(python(EXPOSE, env))
    assert exposed[("lms_attempts_accepted_total", (("kind", "video"),))] == 7
    assert exposed[("lms_task_duration_seconds_count", (("task", "T"),))] == 2
    assert exposed[("lms_task_duration_seconds_bucket", (("le", "0.25"), ("task", "T")))] == 2


def test_without_the_directory_a_process_shows_only_its_own(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    python(RECORD.format(times=3), {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    exposed = samples(python(EXPOSE, env))
    assert ("lms_attempts_accepted_total", (("kind", "video"),)) not in exposed


@pytest.mark.timeout(120)
def test_a_separate_prefork_worker_serves_its_pools_task_metrics(tmp_path):
    port, queue = free_port(), f"metrics-test-{os.getpid()}"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "WORKER_METRICS_PORT": str(port),
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "LMS_PROCESS": "worker"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-P", "prefork",
         "-c", "2", "-l", "warning", "-n", f"metrics-{os.getpid()}@%h", "--without-mingle",
         "--without-gossip"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        def scrape() -> dict | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    return samples(r.read().decode())
            except OSError:
                return None

        wait_until(scrape, timeout=60, interval=0.2)
        for n in range(4):
            # Celery's built-in task that returns its argument: no domain data needed.
            celery_app.send_task("celery.accumulate", args=(n,), queue=queue)
        key = ("lms_task_runs_total", (("outcome", "success"), ("task", "celery.accumulate")))
        wait_until(lambda: (s := scrape()) and s.get(key) == 4, timeout=30, interval=0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
