"""A stalled endpoint delays neither other endpoints nor attempt → progress."""
from __future__ import annotations

import time

import pytest
from django.conf import settings

from tests.conftest import wait_until
from tests.integrations.conftest import watch
from tests.integrations.receiver import receiver_start, receiver_stop

pytestmark = pytest.mark.django_db


def _attempt_to_progress_seconds(client, course_id: str, item_id: str) -> float:
    # Past the minimum interval between recalculations the enrollment opened: what remains
    # is the pipeline's own time.
    time.sleep(settings.PROGRESS_RECALC_MIN_INTERVAL_MS / 1000 + 0.1)
    started = time.monotonic()
    watch(client, course_id, item_id)
    wait_until(lambda: client.get(f"/api/v1/courses/{course_id}/progress/").json()
               .get("completed_items") == 1, interval=0.01)
    return time.monotonic() - started


def test_a_stalled_receiver_slows_neither_progress_nor_other_endpoints(
        celery_worker, receiver, subscribe, course_with_learner, make_user, client_for,
        fast_webhooks):
    fast_webhooks.WEBHOOK_TIMEOUT_SECONDS = 5
    course_id, ids, _, client = course_with_learner
    baseline = _attempt_to_progress_seconds(client, course_id, ids["Watch"])

    receiver.default = ("stall", 30)  # accepts the connection, never answers in time
    subscribe(receiver, ["attempt.accepted", "item.completed", "enrollment.created"])
    healthy = receiver_start()
    try:
        subscribe(healthy, ["attempt.accepted"])
        bob = client_for(make_user("bob"))
        bob.post(f"/api/v1/courses/{course_id}/enroll/")
        wait_until(lambda: receiver.requests)  # the stalled endpoint is busy with bob's enrollment
        with_stall = _attempt_to_progress_seconds(bob, course_id, ids["Watch"])
        wait_until(lambda: healthy.processed, timeout=3)  # well before the stalled one times out
        print(f"attempt -> progress: {baseline:.3f}s without, {with_stall:.3f}s with a stalled "
              "endpoint")
        assert len(receiver.requests) >= 2  # the stalled endpoint got the attempt's events too
        assert with_stall < baseline + 0.5, (baseline, with_stall)
    finally:
        receiver_stop(healthy)
