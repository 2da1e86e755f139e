"""Celery tasks of the learning app."""
from __future__ import annotations

from config.tasks import domain_task
from learning.dispatch import pending_work_sweep
from learning.services import attempt_followups_repair


@domain_task(name="SWEEP_PENDING_WORK")
def sweep_pending_work() -> dict:
    """Finish attempts a failed request left half-recorded, then re-queue parked work."""
    repaired = attempt_followups_repair()
    return {"attempts_repaired": repaired, "requeued": pending_work_sweep()}
