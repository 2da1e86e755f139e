"""The Celery application; task modules are discovered from the installed apps."""
from __future__ import annotations

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging

import config.redis_errors  # noqa: F401  (every process: MISCONF gets its class)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

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


@setup_logging.connect
def _django_logging(**kwargs) -> None:
    """Workers and beat log exactly as the API does (settings.LOGGING), not in Celery's format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _extensions() -> None:
    """Request ids on every published task, outbox entries settled by successful runs; heartbeat
    and per-run logs/metrics for every worker."""
    from config import (  # noqa: F401 - connect their handlers
        dispatch,
        request_id,
        task_signals,
        worker_metrics,
    )
    from config.heartbeat import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_extensions()
