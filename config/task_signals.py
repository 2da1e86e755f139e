"""One structured log line and the task metrics for every Celery task run (Celery signals).

Line format (logfmt, logger `lms.tasks`):
  task=RECALCULATE_COURSE task_id=... user_id=7 course_id=65f... outcome=success
  duration_ms=12.4 retries=0 queue=progress
The same fields are attached to the record as `extra={"task_run": {...}}` for JSON handlers.
"""
from __future__ import annotations

import logging
import threading
import time

from celery.signals import task_failure, task_postrun, task_prerun, task_retry

from config.metrics import (
    REBUILD_DURATION,
    RECALCULATION_DURATION,
    TASK_DURATION,
    TASK_RUNS,
    metric_observe,
)
from config.task_names import REBUILD_LEADERBOARD, RECALCULATE_COURSE

logger = logging.getLogger("lms.tasks")

ID_FIELDS = ("user_id", "course_id")
OUTCOMES = {"SUCCESS": "success", "RETRY": "retry", "FAILURE": "failure"}
# Per-task histograms beside the generic one, named after what operators ask for.
NAMED_DURATIONS = {RECALCULATE_COURSE: RECALCULATION_DURATION,
                   REBUILD_LEADERBOARD: REBUILD_DURATION}

_runs: dict[str, dict] = {}
_lock = threading.Lock()


@task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs) -> None:
    with _lock:
        _runs[task_id] = {"started": time.perf_counter()}


@task_retry.connect
def _task_retried(request=None, reason=None, **kwargs) -> None:
    with _lock:
        run = _runs.get(getattr(request, "id", None))
        if run is not None:
            run["reason"] = str(reason)


@task_failure.connect
def _task_failed(task_id=None, exception=None, **kwargs) -> None:
    with _lock:
        run = _runs.get(task_id)
        if run is not None:
            run["reason"] = f"{type(exception).__name__}: {exception}"


@task_postrun.connect
def _task_finished(task_id=None, task=None, kwargs=None, state=None, **extra) -> None:
    with _lock:
        run = _runs.pop(task_id, None)
    if run is None:
        return
    duration = time.perf_counter() - run["started"]
    outcome = OUTCOMES.get(state, str(state).lower())
    fields = task_run_fields(task=task, task_id=task_id, kwargs=kwargs or {}, outcome=outcome,
                             duration=duration, reason=run.get("reason"))
    level = {"success": logging.INFO, "retry": logging.WARNING}.get(outcome, logging.ERROR)
    logger.log(level, logfmt(fields), extra={"task_run": fields})
    named = NAMED_DURATIONS.get(task.name)
    also = ((TASK_RUNS, {"task": task.name, "outcome": outcome}, 1),)
    if named is not None and outcome == "success":
        also += ((named, None, duration),)
    metric_observe(metric=TASK_DURATION, labels={"task": task.name}, value=duration, also=also)


def task_run_fields(*, task, task_id: str, kwargs: dict, outcome: str, duration: float,
                    reason: str | None) -> dict:
    """The fields of one task run's log line."""
    request = task.request
    fields: dict = {"task": task.name, "task_id": task_id}
    fields.update({name: kwargs[name] for name in ID_FIELDS if name in kwargs})
    if "user_ids" in kwargs:
        fields["learners"] = len(kwargs["user_ids"])
    fields.update({"outcome": outcome, "duration_ms": round(duration * 1000, 1),
                   "retries": request.retries or 0,
                   "queue": (request.delivery_info or {}).get("routing_key")})
    if reason:
        fields["reason"] = reason
    return fields


def logfmt(fields: dict) -> str:
    """key=value pairs; values with spaces, quotes or '=' are quoted."""
    parts = []
    for key, value in fields.items():
        text = "" if value is None else str(value)
        if not text or any(c in text for c in ' "='):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)
