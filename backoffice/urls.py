"""Staff pages outside the admin's own URLs: the analytics dashboard."""
from __future__ import annotations

from django.urls import path

from backoffice.views.dashboard import dashboard

urlpatterns = [
    path("dashboard/", dashboard, name="analytics-dashboard"),
]
