"""A Celery worker running in a thread of the API process (embedded, in-memory MongoDB mode)."""
from __future__ import annotations

import socket
import threading

from celery import Celery
from celery.worker import WorkController


class EmbeddedWorkController(WorkController):
    """WorkController that signals when its consumer is ready."""

    def __init__(self, *args, **kwargs):
        self.ready = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer) -> None:
        self.ready.set()


def embedded_worker_start(app: Celery, *, concurrency: int, loglevel: str = "INFO",
                          ready_timeout: float = 30) -> EmbeddedWorkController:
    """Start a thread-pool worker consuming every queue; return once it is consuming."""
    app.log.setup(loglevel=loglevel)
    worker = EmbeddedWorkController(
        app=app,
        hostname=f"embedded@{socket.gethostname()}",
        pool="threads",
        concurrency=concurrency,
        loglevel=loglevel,
        without_mingle=True,
        without_gossip=True,
        task_events=app.conf.worker_send_task_events,
    )
    threading.Thread(target=worker.start, name="celery-embedded-worker", daemon=True).start()
    if not worker.ready.wait(ready_timeout):
        raise RuntimeError("the embedded Celery worker did not start; is the broker reachable?")
    return worker
