"""Learning app: courses, enrollments, attempts and learner profiles."""
from __future__ import annotations

from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"

    def ready(self) -> None:
        from config.mongo import mongo_connect

        mongo_connect()
