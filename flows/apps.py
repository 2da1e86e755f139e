"""Django app configuration for the flows that tie the apps together."""
from __future__ import annotations

from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self) -> None:
        from flows import receivers  # noqa: F401 - connects the receivers of the apps' signals
