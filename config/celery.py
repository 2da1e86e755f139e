"""The Celery application; task modules are discovered from the installed apps."""
from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _redbeat_settings(sender: Celery, **kwargs) -> None:
    """Name RedBeat's settings explicitly: it ignores namespaced keys and falls back to the broker."""
    sender.conf.update(
        redbeat_redis_url=sender.conf.get("redbeat_redis_url") or sender.conf.broker_url,
        redbeat_redis_options=sender.conf.get("redbeat_redis_options") or {},
    )


def _worker_extensions() -> None:
    """Heartbeat bootstep and per-run logs/metrics for every worker, embedded ones included."""
    from config import task_signals  # noqa: F401 - connects the task signal handlers
    from config.heartbeat import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_worker_extensions()
