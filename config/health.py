"""Liveness and readiness endpoints for load balancers and orchestrators."""
from __future__ import annotations

import time

from django.http import JsonResponse

from config.celery import app as celery_app
from config.mongo import mongo_database
from config.redis import redis_client


def healthz(request):
    """The process is alive and serving requests."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """MongoDB, the Redis cache and the broker answer; 503 with details if one does not."""
    checks = {"mongodb": _check(lambda: mongo_database().command("ping")),
              "redis": _check(lambda: redis_client().ping()),
              "broker": _check(_broker_ping)}
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks},
                        status=200 if ready else 503)


def _broker_ping() -> None:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def _check(probe) -> dict:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported as text
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}
