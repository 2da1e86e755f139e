"""Celery tasks of the learning app."""
from __future__ import annotations

from config.tasks import domain_task
from learning.dispatch import pending_work_sweep
from learning.services import attempt_followups_repair


@domain_task(name="SWEEP_PENDING_WORK")
def sweep_pending_work() -> dict:
    """Re-queue parked work, then finish attempts a failed request left half-recorded."""
    return {"requeued": pending_work_sweep(), "attempts_repaired": attempt_followups_repair()}
