"""A separate Celery worker's own /metrics (WORKER_METRICS_PORT), for hosts without an API."""
from __future__ import annotations

import logging
import os

from celery.signals import worker_init
from prometheus_client import start_http_server

from config.metrics import metrics_registry

logger = logging.getLogger(__name__)


@worker_init.connect
def _serve_worker_metrics(**kwargs) -> None:
    """Serve this worker's samples (its pool's too, under PROMETHEUS_MULTIPROC_DIR) when a port
    is set; the API's /metrics covers the worker when both share a host and that directory."""
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    start_http_server(int(port), registry=metrics_registry())
    logger.info("worker metrics on :%s/metrics", port)
