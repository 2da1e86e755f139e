"""The beat schedule lives in settings and only names tasks a worker knows."""
from __future__ import annotations

from django.conf import settings

from config.celery import app as celery_app


def test_every_scheduled_entry_names_a_registered_task_routed_to_a_queue():
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {"rebuild-all-leaderboards-nightly", "sweep-pending-work",
            "check-leaderboard-drift"} <= set(schedule)
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, f"{name}: {entry['task']} is not a task"
        assert entry["task"] in settings.CELERY_TASK_ROUTES, f"{name}: {entry['task']} has no queue"


def test_the_lock_outlives_the_beat_loop_so_a_live_scheduler_keeps_it():
    assert settings.CELERY_REDBEAT_LOCK_TIMEOUT > 2 * settings.CELERY_BEAT_MAX_LOOP_INTERVAL
    assert celery_app.conf.beat_scheduler == "config.beat.ResilientRedBeatScheduler"
