"""The Celery tasks the service registers, their names and their queues."""
from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app

SEED_TASKS = {
    "RECALCULATE_COURSE": "progress",
    "UPDATE_LEADERBOARD": "progress",
    "REBUILD_LEADERBOARD": "rebuild",
    "LOG_ACTIVITY": "analytics",
}


SERVICE_PACKAGES = {"config", "learning", "progress", "leaderboard", "analytics", "integrations",
                    "flows"}


@pytest.fixture(scope="module")
def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps
    # Tasks of the service's own packages (other tests may register throwaway tasks).
    return {name for name, task in app.tasks.items()
            if task.__module__.split(".")[0] in SERVICE_PACKAGES}


def test_the_four_seed_tasks_are_registered_under_their_exact_names(registered):
    assert set(SEED_TASKS) <= registered
    assert {"RECALCULATE_COURSE_ALL", "RECALCULATE_COURSE_BATCH", "SWEEP_PENDING_WORK"} <= registered


@pytest.mark.parametrize(("name", "queue"), SEED_TASKS.items())
def test_each_seed_task_is_routed_to_its_queue(name, queue):
    assert settings.CELERY_TASK_ROUTES[name] == {"queue": queue}
    assert app.amqp.router.route({}, name)["queue"].name == queue


def test_every_registered_task_has_a_route_to_a_declared_queue(registered):
    declared = {q.name for q in settings.CELERY_TASK_QUEUES}
    for name in registered:
        assert settings.CELERY_TASK_ROUTES.get(name, {}).get("queue") in declared, name


def test_every_scheduled_task_is_registered(registered):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered


@pytest.mark.parametrize("name", SEED_TASKS)
def test_seed_tasks_ack_late_and_retry_transient_errors(name):
    task = app.tasks[name]
    assert task.acks_late and task.reject_on_worker_lost
    assert task.autoretry_for and task.max_retries
