"""`manage.py rebuild_leaderboards --course ID | --all`: rebuild boards now, with progress on stderr."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from leaderboard.services import leaderboard_course_rebuild
from learning.management.course_choice import course_choice_add, course_choice_ids


class Command(BaseCommand):
    help = "Rebuild leaderboards from MongoDB (all-time and this week's board), in this process."

    def add_arguments(self, parser) -> None:
        course_choice_add(parser, what="boards to rebuild")

    def handle(self, *args, course: str | None = None, **options) -> None:
        course_ids = course_choice_ids(course=course)
        started = time.perf_counter()
        for index, course_id in enumerate(course_ids, start=1):
            prefix = f"[{index}/{len(course_ids)}] course {course_id}"

            def progress(done: int, total: int, prefix: str = prefix) -> None:
                filled = int(30 * done / total) if total else 30
                self.stderr.write(f"\r{prefix} [{'#' * filled}{'.' * (30 - filled)}] "
                                  f"{done}/{total}", ending="")

            result = leaderboard_course_rebuild(course_id=course_id, progress=progress)
            boards = ", ".join(f"{b['window']}: {b.get('members', 'skipped (rebuild running)')}"
                               for b in result["boards"])
            self.stderr.write(f"\r{prefix} done ({boards})")
        self.stdout.write(f"rebuilt {len(course_ids)} course(s) in {time.perf_counter() - started:.2f}s")
