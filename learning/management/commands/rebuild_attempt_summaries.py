"""`manage.py rebuild_attempt_summaries --course ID | --all`: fold stored attempts into summaries."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from learning.management.course_choice import course_choice_add, course_choice_ids
from learning.summaries import attempt_summaries_rebuild
from progress.services import progress_recalculation_request


class Command(BaseCommand):
    help = ("Merge every stored attempt into its learner's attempt summary and queue a progress "
            "recalculation for each learner whose summary changed. Safe to run at any time; run it "
            "once after upgrading from a release without attempt summaries.")

    def add_arguments(self, parser) -> None:
        course_choice_add(parser, what="learners' summaries to rebuild")

    def handle(self, *args, course: str | None = None, **options) -> None:
        course_ids = course_choice_ids(course=course)
        started = time.perf_counter()
        learners = changed = 0
        for index, course_id in enumerate(course_ids, start=1):
            prefix = f"[{index}/{len(course_ids)}] course {course_id}"
            course_learners = course_changed = 0
            for user_id, was_changed in attempt_summaries_rebuild(course_id=course_id):
                course_learners += 1
                if was_changed:
                    course_changed += 1
                    progress_recalculation_request(user_id=user_id, course_id=str(course_id))
                if course_learners % 100 == 0:
                    self.stderr.write(f"\r{prefix}: {course_learners} learner(s)", ending="")
            self.stderr.write(f"\r{prefix}: {course_learners} learner(s), {course_changed} summary(ies) "
                              "changed")
            learners += course_learners
            changed += course_changed
        self.stdout.write(f"checked {learners} learner(s) in {len(course_ids)} course(s): {changed} "
                          f"summary(ies) changed and recalculation queued, in "
                          f"{time.perf_counter() - started:.2f}s")
