"""`manage.py consistency`: compare progress and boards with a fresh computation from MongoDB."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from flows.consistency import consistency_check


class Command(BaseCommand):
    help = ("Recompute every enrolled learner's progress and every course's all-time and weekly "
            "boards from MongoDB and print what differs from what readers are served (JSON). "
            "Exits 1 when anything differs. Needs a real MongoDB (MONGODB_URI): in embedded mode "
            "ask the API instead (GET /api/v1/courses/{id}/consistency/).")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--course", action="append", dest="courses",
                            help="a course id (repeatable); every course by default")

    def handle(self, *args, courses: list[str] | None = None, **options) -> None:
        report = consistency_check(course_ids=courses)
        self.stdout.write(json.dumps(report.as_dict(), indent=2, default=str))
        if not report.ok:
            raise CommandError("derived data differs from MongoDB", returncode=1)
