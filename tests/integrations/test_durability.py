"""Events are as durable as their causes: parked in the outbox while the broker is down, and
announced by the sweep when a process died before it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from config.celery import app as celery_app
from config.dispatch import outbox_sweep
from config.documents import OutboxEntry
from flows.sweep import passes_announce
from integrations.documents import IntegrationEvent
from progress.documents import CourseProgress
from tests.conftest import wait_until
from tests.integrations.conftest import answer, watch

pytestmark = pytest.mark.django_db


def test_an_event_made_while_the_broker_is_down_waits_in_the_outbox_then_is_delivered(
        celery_worker, receiver, subscribe, course_with_learner):
    subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    down = Celery("broker-unreachable", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.broker_url = "redis://127.0.0.1:1/0"
    down.set_current()
    try:
        attempt_id = watch(client, course_id, ids["Watch"]).json()["attempt_id"]
        parked = [e for e in OutboxEntry.objects(task_name="RECORD_EVENT")
                  if e.kwargs["type"] == "attempt.accepted"]
        assert [e.kwargs["data"]["attempt_id"] for e in parked] == [attempt_id]
    finally:
        celery_app.set_current()
        down.close()
    assert IntegrationEvent.objects(type="attempt.accepted").count() == 0
    assert outbox_sweep() >= 1  # what beat's sweep does once the broker is back
    wait_until(lambda: receiver.processed)
    assert receiver.processed[0]["data"]["attempt_id"] == attempt_id


def test_a_pass_whose_announcement_was_cut_short_is_announced_by_the_sweep(
        celery_worker, course_with_learner):
    course_id, ids, learner, client = course_with_learner
    answer(client, course_id, ids["Quiz"])
    [passed] = wait_until(lambda: list(IntegrationEvent.objects(type="course.passed")))
    # As if the process died after storing passed_at, before the event was queued.
    CourseProgress._get_collection().update_many(
        {}, {"$set": {"pass_announced": False,
                      "computed_at": timezone.now() - timedelta(minutes=5)}})
    IntegrationEvent.objects(type="course.passed").delete()
    assert passes_announce() == 1
    [again] = wait_until(lambda: list(IntegrationEvent.objects(type="course.passed")))
    assert (again.id, again.data["user_id"]) == (passed.id, learner.pk)
    assert CourseProgress._get_collection().find_one({})["pass_announced"] is True
    assert passes_announce() == 0
