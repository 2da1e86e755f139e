"""Celery tasks of the flows: the sweep that finishes what lost messages and failed requests left."""
from __future__ import annotations

from config.dispatch import pending_work_sweep
from config.task_names import SWEEP_PENDING_WORK
from config.tasks import domain_task
from flows.attempts import attempt_followups_repair


@domain_task(name=SWEEP_PENDING_WORK)
def sweep_pending_work() -> dict:
    """Re-queue parked work, then finish attempts a failed request left half-recorded."""
    return {"requeued": pending_work_sweep(), "attempts_repaired": attempt_followups_repair()}
