"""Celery tasks of the flows: the sweep that finishes what lost messages and failed requests left."""
from __future__ import annotations

from config.task_names import SWEEP_PENDING_WORK
from config.tasks import domain_task
from flows.sweep import pending_sweep


@domain_task(name=SWEEP_PENDING_WORK)
def sweep_pending_work() -> dict:
    """Finish half-done causes (attempts, enrollments, outline changes, completions), then publish
    due outbox entries again."""
    return pending_sweep()
