"""Derived work is done at least once: it waits in the outbox until a run of its task succeeds."""
from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect

from config.celery import app as celery_app
from config.dispatch import outbox_count, outbox_sweep, task_dispatch
from config.documents import OutboxEntry
from config.redis import redis_client
from config.tasks import domain_task
from progress.documents import CourseProgress
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db

FLAKY_RUNS = "test:outbox:flaky-runs"


# Registered at import (collection), before the session worker starts, so the worker knows it.
@domain_task(name="TEST_OUTBOX_GIVES_UP_ONCE", max_retries=0)
def gives_up_once(token: str) -> int:
    """Fails for good on its first run (a transient error, but no retries left); then succeeds."""
    if redis_client().incr(FLAKY_RUNS) == 1:
        raise AutoReconnect("MongoDB unreachable for longer than the retry window")
    return 1


@pytest.fixture
def due_at_once(settings):
    """Entries are due for the sweep as soon as they are written."""
    settings.OUTBOX_REDELIVER_SECONDS = 0


def test_a_task_that_ran_out_of_retries_stays_in_the_outbox_and_the_sweep_runs_it_again(
        celery_worker, due_at_once):
    assert task_dispatch(task_name="TEST_OUTBOX_GIVES_UP_ONCE", kwargs={"token": "a"},
                         key="TEST_OUTBOX_GIVES_UP_ONCE:a") is True
    wait_until(lambda: int(redis_client().get(FLAKY_RUNS) or 0) == 1)
    # The failed run settled nothing: the work is parked, not dropped.
    entry = wait_until(lambda: OutboxEntry.objects(id="TEST_OUTBOX_GIVES_UP_ONCE:a").first())
    assert entry.task_name == "TEST_OUTBOX_GIVES_UP_ONCE"
    assert outbox_sweep() == 1
    wait_until(lambda: outbox_count() == 0)
    assert int(redis_client().get(FLAKY_RUNS)) == 2


def test_a_lost_message_is_published_again_by_the_sweep_and_its_work_done(
        staff_client, make_user, client_for, progress_queue_paused, celery_worker, due_at_once):
    """The broker loses a queued recalculation (its queue is emptied, as a flushed broker DB or a
    failover would): the outbox still holds it, and the sweep gets the progress computed."""
    course = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                               format="json").json()
    learner = make_user("ada")
    client = client_for(learner)
    client.post(f"/api/v1/courses/{course['id']}/enroll/")
    client.post(f"/api/v1/courses/{course['id']}/attempts/",
                {"content_id": item_ids(course)[0], "completed": True}, format="json")
    with celery_app.connection_for_write() as connection:
        assert connection.default_channel.queue_purge("progress") >= 1  # the messages are gone
    assert OutboxEntry.objects(task_name="RECALCULATE_COURSE").count() == 1
    celery_app.control.add_consumer("progress", destination=[celery_worker.hostname], reply=True,
                                    timeout=5)
    assert outbox_sweep() >= 1

    def computed():
        doc = CourseProgress._get_collection().find_one({"user_id": learner.pk})
        return doc if doc and doc["completed_items"] == 1 else None

    wait_until(computed)
    wait_until(lambda: OutboxEntry.objects(task_name="RECALCULATE_COURSE").count() == 0)


def test_a_request_made_while_its_task_runs_keeps_the_entry_for_its_own_run(due_at_once):
    """The entry is settled only by a run of its latest request, so work asked for while an
    earlier run was under way is never lost with that run's success."""
    from config.dispatch import outbox_done

    key = "TEST_OUTBOX_GENERATIONS:x"
    collection = OutboxEntry._get_collection()
    entry = {"task_name": "TEST_OUTBOX_GENERATIONS", "kwargs": {}, "due_at": None}
    collection.insert_one({"_id": key, **entry, "generation": 1})
    collection.update_one({"_id": key}, {"$inc": {"generation": 1}})  # requested again meanwhile
    assert outbox_done(key=key, generation=1) is False  # the first run's success
    assert outbox_done(key=key, generation=2) is True
