"""Fill a store for `make bench-load` (BENCH_PREFILL): learners in the SQL database and their
enrollments, profiles and attempts in an embedded-MongoDB snapshot the API loads at start.

    DATABASE_URL=sqlite:///… python -m bench.fill SNAPSHOT LEARNERS ATTEMPTS

Documents are written directly (no tasks): what the load then meets is the collections' size,
which is what slows embedded mode's scans. Run in a process of its own: Django is set up here.
"""
from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.pop("MONGODB_URI", None)  # a snapshot is of the embedded store

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.embedded_snapshot import snapshot_write  # noqa: E402
from learning.documents import (  # noqa: E402
    ContentAttempt,
    Enrollment,
    LearnerProfile,
    learner_course_key,
)
from learning.services import course_create  # noqa: E402

ITEMS = 20
BATCH = 10_000


def fill(*, learners: int, attempts: int, seed: int = 7) -> dict[str, int]:
    """Create the learners, one course of ITEMS videos they are enrolled in, and their attempts."""
    rng, now = random.Random(seed), timezone.now()
    call_command("migrate", verbosity=0)
    users = get_user_model()
    unusable = make_password(None)
    users.objects.bulk_create(
        [users(username=f"filled{n}", password=unusable) for n in range(learners)], batch_size=BATCH)
    user_ids = list(users.objects.filter(username__startswith="filled").values_list("id", flat=True))
    course = course_create(data={
        "title": "Filled", "slug": f"filled-{rng.randrange(10**9)}", "published": True,
        "unlock_mode": "open", "sections": [{"title": "All", "lessons": [{"title": "Videos", "items": [
            {"title": f"Video {n}", "kind": "video"} for n in range(ITEMS)]}]}]}, created_by=0)
    item_ids = [item.id for section in course.outline.sections for lesson in section.lessons
                for item in lesson.items]
    _insert(LearnerProfile, [{"_id": u, "display_name": f"Filled {u}", "avatar_url": ""}
                             for u in user_ids])
    _insert(Enrollment, [{"_id": learner_course_key(u, course.id), "user_id": u, "course_id": course.id,
                          "enrolled_at": now - timedelta(days=30)} for u in user_ids])
    _insert(ContentAttempt, [{
        "user_id": rng.choice(user_ids), "course_id": course.id, "item_id": rng.choice(item_ids),
        "kind": "video", "marks": None, "completed": True, "answers": [],
        "submitted_at": now - timedelta(seconds=rng.randrange(30 * 86_400)), "late": False,
        "penalty_percent": 0.0} for _ in range(attempts)])
    return {"learners": len(user_ids), "attempts": attempts}


def _insert(document, rows: list[dict]) -> None:
    collection = document._get_collection()
    for start in range(0, len(rows), BATCH):
        collection.insert_many(rows[start:start + BATCH])


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not all(a.isdigit() for a in argv[1:]):
        print("usage: python -m bench.fill SNAPSHOT LEARNERS ATTEMPTS", file=sys.stderr)
        return 2
    started = time.monotonic()
    made = fill(learners=int(argv[1]), attempts=int(argv[2]))
    counts = snapshot_write(argv[0])
    print(f"filled {made['learners']:,} learners, {made['attempts']:,} attempts "
          f"({sum(counts.values()):,} documents) in {time.monotonic() - started:.0f}s -> {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
