"""Prometheus metrics kept in each process (prometheus_client): recording costs no round trip.

Where several processes of one host work together (gunicorn's workers, a prefork worker's pool,
everything `make run` starts), PROMETHEUS_MULTIPROC_DIR names a directory they all write their
samples to, and /metrics adds them up (prometheus_client's multiprocess mode). Without it,
/metrics shows this process's own samples: in embedded mode the worker runs in the API process,
so that is everything; a separate worker (compose) serves its own on WORKER_METRICS_PORT.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import REGISTRY, Counter, Histogram, disable_created_metrics, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

# The *_created series say when a process started counting: noise once processes are summed.
disable_created_metrics()

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TASK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

_INSTRUMENTS: dict[str, Counter | Histogram] = {}


@dataclass(frozen=True)
class Metric:
    """A counter or histogram: its name, help text, label names and (histograms) buckets.
    Declaring one registers it in this process."""

    name: str
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.name in _INSTRUMENTS:
            raise ValueError(f"metric {self.name} is declared twice")
        if self.buckets is None:
            _INSTRUMENTS[self.name] = Counter(self.name, self.help, self.labels)
        else:
            _INSTRUMENTS[self.name] = Histogram(self.name, self.help, self.labels,
                                                buckets=self.buckets)

    def instrument(self, labels: dict | None):
        instrument = _INSTRUMENTS[self.name]
        if set(labels or {}) != set(self.labels):
            raise ValueError(f"{self.name} takes labels {self.labels}, got {sorted(labels or {})}")
        return instrument.labels(**labels) if self.labels else instrument


HTTP_REQUESTS = Metric("lms_http_requests_total", "API requests by route name, method and status.",
                       ("route", "method", "status"))
HTTP_LATENCY = Metric("lms_http_request_duration_seconds", "API request latency by route name.",
                      ("route", "method"), REQUEST_BUCKETS)
ATTEMPTS_ACCEPTED = Metric("lms_attempts_accepted_total", "Attempts stored (answered 202).",
                           ("kind",))
TASK_RUNS = Metric("lms_task_runs_total", "Celery task runs by task name and outcome.",
                   ("task", "outcome"))
TASK_DURATION = Metric("lms_task_duration_seconds", "Celery task run time by task name.",
                       ("task",), TASK_BUCKETS)
RECALCULATION_DURATION = Metric("lms_progress_recalculation_duration_seconds",
                                "Run time of RECALCULATE_COURSE.", (), TASK_BUCKETS)
REBUILD_DURATION = Metric("lms_leaderboard_rebuild_duration_seconds",
                          "Run time of REBUILD_LEADERBOARD.", (), TASK_BUCKETS)
WEBHOOK_DELIVERIES = Metric("lms_webhook_deliveries_total",
                            "Webhook and LRS delivery tries by endpoint (id or 'lrs') and outcome "
                            "(succeeded, retrying, failed, deferred).", ("endpoint", "outcome"))
WEBHOOK_LATENCY = Metric("lms_webhook_delivery_duration_seconds",
                         "Time an endpoint took to answer a delivery.", ("endpoint",),
                         REQUEST_BUCKETS)
DRIFT_FOUND = Metric("lms_leaderboard_drift_found_total",
                     "Leaderboard entries found different from MongoDB by the drift check.")


def metric_inc(*, metric: Metric, labels: dict | None = None, amount: float = 1) -> None:
    """Add to a counter."""
    metric.instrument(labels).inc(amount)


def metric_observe(*, metric: Metric, value: float, labels: dict | None = None,
                   also: tuple[tuple[Metric, dict | None, float], ...] = ()) -> None:
    """Record one histogram observation (plus counters or observations in `also`)."""
    metric.instrument(labels).observe(value)
    for other, other_labels, amount in also:
        instrument = other.instrument(other_labels)
        if other.buckets is None:
            instrument.inc(amount)
        else:
            instrument.observe(amount)


def multiprocess_dir() -> str | None:
    """The shared samples directory when this host's processes add up their metrics."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _ProcessSamples(Collector):
    """This process's own metrics (the default registry)."""

    def collect(self):
        yield from REGISTRY.collect()


class _ScrapeGauges(Collector):
    def __init__(self, gauges):
        self._gauges = gauges

    def collect(self):
        yield from self._gauges()


def gauge_family(name: str, help_text: str, labels: tuple[str, ...],
                 values: list[tuple[list[str], float]]) -> GaugeMetricFamily:
    """A gauge measured at scrape time."""
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for label_values, value in values:
        family.add_metric(label_values, value)
    return family


def metrics_registry(*, gauges=None) -> CollectorRegistry:
    """A registry for one scrape: every process's samples on this host (or this process's),
    plus the given scrape-time gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessSamples())
    if gauges is not None:
        registry.register(_ScrapeGauges(gauges))
    return registry
