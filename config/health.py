"""Liveness, readiness and the Prometheus endpoint, for load balancers and monitoring."""
from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.celery import app as celery_app
from config.heartbeat import worker_heartbeats_get
from config.metrics import gauge_family, metrics_registry
from config.mongo import mongo_database
from config.redis import redis_client


def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """MongoDB, the Redis cache and the broker answer and a worker was seen recently; else 503."""
    checks = {"mongodb": _check(lambda: mongo_database().command("ping")),
              "redis": _check(lambda: redis_client().ping()),
              "broker": _check(_broker_ping),
              "worker": _check(_worker_seen, detail=True)}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status=200 if ready else 503)


def _broker_ping() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


class NotReady(Exception):
    """A readiness probe answered, but with a bad state."""


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
    """Prometheus exposition: stored counters/histograms plus gauges measured now."""
    if not _metrics_allowed(request):
        return JsonResponse({"detail": "Metrics need an allowed address or the bearer token.",
                             "code": "forbidden"}, status=403)
    body = generate_latest(metrics_registry(gauges=_scrape_gauges))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization", "") == f"Bearer {token}":
        return True
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(net, strict=False)
               for net in settings.METRICS_ALLOWED_IPS)


def _scrape_gauges():
    """Queue depth (messages waiting per Celery queue), parked work, newest heartbeat age."""
    from config.dispatch import outbox_count

    depths = []
    with celery_app.connection_for_read() as connection:
        channel = connection.default_channel
        for queue in celery_app.conf.task_queues:
            depths.append(([queue.name], float(_queue_depth(channel, queue.name))))
    yield gauge_family("lms_celery_queue_length", "Messages waiting in each Celery queue.",
                       ("queue",), depths)
    yield gauge_family("lms_pending_work", "Derived work in the outbox, due to be published "
                       "again (broker down, message lost, retries used up).", (),
                       [([], float(outbox_count(due_only=True)))])
    ages = worker_heartbeats_get()
    yield gauge_family("lms_worker_heartbeat_age_seconds",
                       "Seconds since each worker's last heartbeat.", ("worker",),
                       [([host], age) for host, age in sorted(ages.items())])


def _queue_depth(channel, name: str) -> int:
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # noqa: BLE001 - a queue never declared holds nothing
        return 0
