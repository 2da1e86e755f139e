"""Liveness, readiness, the operators' health detail and the Prometheus endpoint.

/readyz answers one question for a load balancer: can this instance accept attempts? That needs
its own stores (MongoDB, the SQL database), not the broker or the workers: with those down,
attempts are still stored and their work waits in the outbox, so taking the instance out then
would only turn a slowdown into an outage. The broker, Redis and worker state is in
/health/detail and /metrics, for operators (same access rule as /metrics). Anonymous callers
never see exception text.
"""
from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.celery import app as celery_app
from config.heartbeat import worker_heartbeats_get
from config.metrics import gauge_family, metrics_registry
from config.mongo import mongo_database
from config.redis import redis_client

logger = logging.getLogger(__name__)


def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """This instance can accept attempts (MongoDB and the SQL database answer); else 503."""
    checks = {name: _check(probe) for name, probe in _READINESS.items()}
    for name, check in checks.items():
        if not check["ok"]:
            logger.warning("readiness: %s failed: %s", name, check["error"])
    ready = all(check["ok"] for check in checks.values())
    public = {name: {k: v for k, v in check.items() if k != "error"}
              for name, check in checks.items()}
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": public},
                        status=200 if ready else 503)


def health_detail(request):
    """Every dependency with its error text, for operators: 200 when all are fine, else 503."""
    if not _operator(request):
        return _operators_only()
    checks = {name: _check(probe) for name, probe in {**_READINESS, **_DEPENDENCIES}.items()}
    checks["worker"] = _check(_worker_seen, detail=True)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "healthy" if healthy else "degraded", "checks": checks},
                        status=200 if healthy else 503)


def _sql_ping() -> None:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_ping() -> None:
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=2)


_READINESS: dict[str, Callable[[], object]] = {
    "mongodb": lambda: mongo_database().command("ping"),
    "database": _sql_ping,
}
_DEPENDENCIES: dict[str, Callable[[], object]] = {
    "redis": lambda: redis_client().ping(),
    "broker": _broker_ping,
}


class NotReady(Exception):
    """A probe answered, but with a bad state."""


def _worker_seen() -> dict:
    """The newest worker heartbeat must be younger than WORKER_HEARTBEAT_MAX_AGE."""
    ages = worker_heartbeats_get()
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    if not ages:
        raise NotReady(f"no worker heartbeat in Redis (workers write one every "
                       f"{settings.WORKER_HEARTBEAT_SECONDS}s)")
    host, age = min(ages.items(), key=lambda item: item[1])
    if age > max_age:
        raise NotReady(f"newest worker heartbeat ({host}) is {age:.0f}s old; max {max_age}s")
    alive = sorted(h for h, a in ages.items() if a <= max_age)
    return {"last_seen_seconds": age, "worker": host, "alive_workers": alive}


def _check(probe, *, detail: bool = False) -> dict:
    started = time.perf_counter()
    try:
        answer = probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as text
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}
    if detail:
        result.update(answer)
    return result


def metrics(request):
    """Prometheus exposition: stored counters/histograms plus gauges measured now. A store that
    is down costs its series (and shows in lms_scrape_errors), never the whole scrape."""
    if not _operator(request):
        return _operators_only()
    body = generate_latest(metrics_registry(gauges=_scrape_gauges))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _operator(request) -> bool:
    """Metrics token, or an address METRICS_ALLOWED_IPS lets in."""
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization", "") == f"Bearer {token}":
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net, strict=False)
               for net in settings.METRICS_ALLOWED_IPS)


def _operators_only() -> JsonResponse:
    return JsonResponse({"detail": "This needs an allowed address or the metrics bearer token.",
                         "code": "forbidden"}, status=403)


def _scrape_gauges():
    """Queue depth, parked work and heartbeat ages, each measured apart: one failing source
    is reported in lms_scrape_errors and the others still come through."""
    from config.dispatch import outbox_count

    failed: list[str] = []

    def measured(source: str, measure: Callable[[], list]) -> list:
        try:
            return measure()
        except Exception as exc:  # noqa: BLE001 - a scrape reports what it can
            logger.warning("metrics: %s not measured: %s", source, exc)
            failed.append(source)
            return []

    def depths() -> list:
        with celery_app.connection_for_read() as broker:
            channel = broker.default_channel
            return [([queue.name], float(_queue_depth(channel, queue.name)))
                    for queue in celery_app.conf.task_queues]

    yield gauge_family("lms_celery_queue_length", "Messages waiting in each Celery queue.",
                       ("queue",), measured("broker", depths))
    yield gauge_family("lms_pending_work", "Derived work in the outbox, due to be published "
                       "again (broker down, message lost, retries used up).", (),
                       measured("mongodb", lambda: [([], float(outbox_count(due_only=True)))]))
    yield gauge_family("lms_worker_heartbeat_age_seconds",
                       "Seconds since each worker's last heartbeat.", ("worker",),
                       measured("redis", lambda: [([host], age) for host, age
                                                  in sorted(worker_heartbeats_get().items())]))
    yield gauge_family("lms_scrape_errors", "Sources this scrape could not read (1 = failed).",
                       ("source",), [([source], 1.0) for source in failed])


def _queue_depth(channel, name: str) -> int:
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # noqa: BLE001 - a queue never declared holds nothing
        return 0
