"""`manage.py rebuild_leaderboards --course ID | --all | --global`: rebuild boards now, with
progress on stderr."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from leaderboard.global_rebuild import global_board_rebuild
from leaderboard.services import leaderboard_course_rebuild
from learning.management.course_choice import course_choice_ids


class Command(BaseCommand):
    help = ("Rebuild leaderboards from MongoDB (all-time and this week's boards, groups' too; "
            "the global board with --global or --all), in this process.")

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--course", help="id of the course whose boards to rebuild")
        which.add_argument("--all", action="store_true", help="every course, and the global board")
        which.add_argument("--global", dest="global_board", action="store_true",
                           help="the global board only")

    def _progress(self, prefix: str):
        def progress(done: int, total: int) -> None:
            filled = int(30 * done / total) if total else 30
            self.stderr.write(f"\r{prefix} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}",
                              ending="")
        return progress

    def handle(self, *args, course: str | None = None, global_board: bool = False,
               **options) -> None:
        started = time.perf_counter()
        course_ids = [] if global_board else course_choice_ids(course=course)
        for index, course_id in enumerate(course_ids, start=1):
            prefix = f"[{index}/{len(course_ids)}] course {course_id}"
            result = leaderboard_course_rebuild(course_id=course_id, progress=self._progress(prefix))
            boards = ", ".join(f"{b['window']}: {b.get('members', 'skipped (rebuild running)')}"
                               for b in result["boards"])
            self.stderr.write(f"\r{prefix} done ({boards})")
        if global_board or options.get("all"):
            result = global_board_rebuild(progress=self._progress("global board"))
            self.stderr.write(f"\rglobal board done ({result.get('members', 'skipped')})")
        self.stdout.write(f"rebuilt {len(course_ids)} course(s)"
                          f"{' and the global board' if global_board or options.get('all') else ''}"
                          f" in {time.perf_counter() - started:.2f}s")
