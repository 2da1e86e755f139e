"""`manage.py rebuild_leaderboards --course ID | --all`: rebuild boards now, with progress on stderr."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import DomainError
from leaderboard.services import leaderboard_course_rebuild
from learning.selectors import course_get, course_ids_all


class Command(BaseCommand):
    help = "Rebuild leaderboards from MongoDB (all-time and this week's board), in this process."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--course", help="id of the course whose boards to rebuild")
        which.add_argument("--all", action="store_true", help="rebuild every course's boards")

    def handle(self, *args, course: str | None = None, all: bool = False, **options) -> None:
        if course:
            try:
                course_get(course_id=course)
            except DomainError as exc:
                raise CommandError(exc.detail) from exc
            course_ids = [course]
        else:
            course_ids = course_ids_all()
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
