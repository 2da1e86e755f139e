"""URL root: admin, health, the API and the analytics dashboard."""
from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from config.health import health_detail, healthz, readyz
from config.health import metrics as prometheus_metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("health/detail", health_detail, name="health-detail"),
    path("metrics", prometheus_metrics, name="metrics"),
    path("api/", include("api.urls")),
    path("analytics/", include("backoffice.urls")),
]

# JSON errors under /api/ when DEBUG is off (api/errors.py covers DEBUG on too).
handler404 = "api.errors.handler404"
handler500 = "api.errors.handler500"
