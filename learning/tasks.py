"""Celery tasks of the learning app."""
from __future__ import annotations

from config.tasks import domain_task
from learning.dispatch import pending_work_sweep


@domain_task(name="SWEEP_PENDING_WORK")
def sweep_pending_work() -> dict:
    """Re-queue work that was parked while the broker was unreachable."""
    return {"requeued": pending_work_sweep()}
