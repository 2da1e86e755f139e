"""Prometheus metrics kept in Redis, so the API, every worker and beat add to the same series.

Each metric is one Redis hash (`config.keys.metric_key`); a scrape of `/metrics` reads them all
and adds gauges measured at scrape time (queue depth, pending work, worker heartbeat age).
Recording never fails the caller: a Redis error is logged and the sample dropped.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass

import redis.exceptions
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector, CollectorRegistry

from config.keys import metric_key
from config.redis import redis_client

logger = logging.getLogger(__name__)

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TASK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
_SEP = "\x1f"


@dataclass(frozen=True)
class Metric:
    """A counter or histogram: its name, help text, label names and (histograms) buckets."""

    name: str
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] | None = None


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
DRIFT_FOUND = Metric("lms_leaderboard_drift_found_total",
                     "Leaderboard entries found different from MongoDB by the drift check.")

STORED_METRICS = (HTTP_REQUESTS, HTTP_LATENCY, ATTEMPTS_ACCEPTED, TASK_RUNS, TASK_DURATION,
                  RECALCULATION_DURATION, REBUILD_DURATION, DRIFT_FOUND)


def _field(metric: Metric, labels: dict | None) -> str:
    labels = labels or {}
    if set(labels) != set(metric.labels):
        raise ValueError(f"{metric.name} takes labels {metric.labels}, got {sorted(labels)}")
    return json.dumps([str(labels[name]) for name in metric.labels])


def metric_inc(*, metric: Metric, labels: dict | None = None, amount: float = 1) -> None:
    """Add to a counter."""
    field = _field(metric, labels)
    try:
        redis_client().hincrbyfloat(metric_key(metric.name), field, amount)
    except redis.exceptions.RedisError as exc:
        logger.warning("metric %s not recorded: %s", metric.name, exc)


def metric_observe(*, metric: Metric, value: float, labels: dict | None = None,
                   also: tuple[tuple[Metric, dict | None, float], ...] = ()) -> None:
    """Record one histogram observation (plus counters in `also`) in one round trip."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        _histogram_add(pipe, metric, _field(metric, labels), value)
        for other, other_labels, amount in also:
            if other.buckets is None:
                pipe.hincrbyfloat(metric_key(other.name), _field(other, other_labels), amount)
            else:
                _histogram_add(pipe, other, _field(other, other_labels), amount)
        pipe.execute()
    except redis.exceptions.RedisError as exc:
        logger.warning("metric %s not recorded: %s", metric.name, exc)


def _histogram_add(pipe, metric: Metric, field: str, value: float) -> None:
    key = metric_key(metric.name)
    # Only the first bucket that holds the value is stored; the scrape makes them cumulative.
    bucket = next((b for b in metric.buckets if value <= b), "+Inf")
    pipe.hincrby(key, f"{field}{_SEP}b{_SEP}{bucket}", 1)
    pipe.hincrbyfloat(key, f"{field}{_SEP}sum", value)


class StoredMetricsCollector(Collector):
    """Reads the Redis-stored metrics and the scrape-time gauges for one exposition."""

    def __init__(self, *, gauges=None):
        self._gauges = gauges

    def collect(self):
        pipe = redis_client().pipeline(transaction=False)
        for metric in STORED_METRICS:
            pipe.hgetall(metric_key(metric.name))
        try:
            stored = pipe.execute()
        except redis.exceptions.RedisError as exc:
            # No counters this scrape (Prometheus shows the gap), but the gauges still come.
            logger.warning("stored metrics not read: %s", exc)
            stored = None
        yield gauge_family("lms_metrics_store_up", "1 when the stored counters could be read.",
                           (), [([], 0.0 if stored is None else 1.0)])
        for metric, raw in zip(STORED_METRICS, stored or [{}] * len(STORED_METRICS), strict=True):
            if stored is None:
                continue
            samples = {k.decode(): float(v) for k, v in raw.items()}
            if metric.buckets is None:
                yield _counter_family(metric, samples)
            else:
                yield _histogram_family(metric, samples)
        if self._gauges is not None:
            yield from self._gauges()


def _counter_family(metric: Metric, samples: dict[str, float]) -> CounterMetricFamily:
    family = CounterMetricFamily(metric.name.removesuffix("_total"), metric.help,
                                 labels=metric.labels)
    if not metric.labels and not samples:
        samples = {json.dumps([]): 0.0}
    for field, value in sorted(samples.items()):
        family.add_metric(json.loads(field), value)
    return family


def _histogram_family(metric: Metric, samples: dict[str, float]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(metric.name, metric.help, labels=metric.labels)
    series: dict[str, dict] = defaultdict(lambda: {"buckets": defaultdict(float), "sum": 0.0})
    for field, value in samples.items():
        labels, kind, *rest = field.split(_SEP)
        if kind == "sum":
            series[labels]["sum"] = value
        else:
            series[labels]["buckets"][rest[0]] += value
    if not metric.labels and not series:
        series[json.dumps([])]  # an unlabelled histogram is exposed from the start, at zero
    for labels, data in sorted(series.items()):
        running, buckets = 0.0, []
        for bound in [*(str(b) for b in metric.buckets), "+Inf"]:
            running += data["buckets"].get(bound, 0.0)
            buckets.append((bound, running))
        family.add_metric(json.loads(labels), buckets, data["sum"])
    return family


def gauge_family(name: str, help_text: str, labels: tuple[str, ...],
                 values: list[tuple[list[str], float]]) -> GaugeMetricFamily:
    """A gauge measured at scrape time."""
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for label_values, value in values:
        family.add_metric(label_values, value)
    return family


def metrics_registry(*, gauges=None) -> CollectorRegistry:
    """A fresh registry with the stored metrics (and the given scrape-time gauges)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoredMetricsCollector(gauges=gauges))
    return registry
