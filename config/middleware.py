"""Request metrics: count and time every API request, labelled by route name (not raw path)."""
from __future__ import annotations

import time

from config.metrics import HTTP_LATENCY, HTTP_REQUESTS, metric_observe


class RequestMetricsMiddleware:
    """Records lms_http_requests_total and lms_http_request_duration_seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_name(request)
        method = request.method if request.method in _METHODS else "OTHER"
        metric_observe(metric=HTTP_LATENCY, labels={"route": route, "method": method},
                       value=time.perf_counter() - started,
                       also=((HTTP_REQUESTS, {"route": route, "method": method,
                                              "status": str(response.status_code)}, 1),))
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_name(request) -> str:
    """The URL pattern's name (bounded label values); unmatched paths share one label."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    if match.url_name:
        return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return match.route or "unnamed"
