"""Progress benchmark (`make bench-progress`): pure calculation, MongoDB round trips per
recalculation, and RECALCULATE_COURSE throughput through the Redis broker and a real worker.

Prints a table, then one line per target: `target: NAME = VALUE (goal OP GOAL) PASS|FAIL`.
Uses the test settings and Redis DB BENCH_REDIS_DB (default 14) and the next one for the broker;
both are flushed.
"""
from __future__ import annotations

import gc
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ["TEST_REDIS_DB"] = os.environ.get("BENCH_REDIS_DB", "14")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from bson import ObjectId  # noqa: E402
from celery.contrib.testing.worker import start_worker  # noqa: E402
from celery.signals import task_postrun  # noqa: E402
from django.conf import settings  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from config.tasks import domain_task  # noqa: E402
from learning.documents import ContentAttempt, Course  # noqa: E402
from learning.outline import AttemptFact, ItemSpec, LessonSpec, Outline, SectionSpec  # noqa: E402
from learning.services import attempt_summary_merge, course_create  # noqa: E402
from progress.calculation import progress_calculate  # noqa: E402
from progress.services import progress_recalculate  # noqa: E402

EMPTY_TASK = "BENCH_EMPTY"


@domain_task(name=EMPTY_TASK)
def bench_empty(user_id: int, course_id: str) -> None:
    """The framework floor: same options and arguments as RECALCULATE_COURSE, no work."""


# --- 1. Pure calculation --------------------------------------------------------------------

def synthetic_outline(items: int) -> Outline:
    """A sequential course of `items` items: 10 items per lesson, 10 lessons per section,
    with a prerequisite rule on every lesson after the first of a section."""
    item_specs = [ItemSpec(id=f"i{n}", title=f"Item {n}", kind=("quiz", "video", "assignment")[n % 3],
                           max_marks=10.0 if n % 3 != 1 else 0.0,
                           pass_marks=5.0 if n % 3 == 2 else None, optional=n % 17 == 0)
                  for n in range(items)]
    lessons = []
    for start in range(0, items, 10):
        number = start // 10
        rules = {"completed": item_specs[start - 1].id, "min_score_percent": 50} if number % 10 else {}
        lessons.append(LessonSpec(id=f"l{number}", title=f"Lesson {number}",
                                  items=tuple(item_specs[start:start + 10]), rules=rules))
    sections = [SectionSpec(id=f"s{n}", title=f"Section {n}", lessons=tuple(lessons[n * 10:n * 10 + 10]))
                for n in range((len(lessons) + 9) // 10)]
    return Outline(course_id="c", unlock_mode="sequential", sections=tuple(sections))


def synthetic_attempts(outline: Outline, count: int, rng: random.Random) -> list[AttemptFact]:
    """`count` attempts on the first 70% of the items (so both locked and open items remain)."""
    items = outline.items()[: max(1, int(len(outline.items()) * 0.7))]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [AttemptFact(item.id, round(rng.random() * item.max_marks, 1) if item.max_marks else None,
                        item.kind == "video", start + timedelta(minutes=n))
            for n, item in ((n, items[n % len(items)]) for n in range(count))]


def best_time(func: Callable[[], object], *, repeats: int,
              clock: Callable[[], float] = time.perf_counter) -> float:
    """Minimum time of `repeats` runs, with the garbage collector off (as timeit does)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        best = float("inf")
        for _ in range(repeats):
            started = clock()
            func()
            best = min(best, clock() - started)
        return best
    finally:
        if gc_was_enabled:
            gc.enable()


CALCULATION_SIZES = (100, 1_000, 10_000)


def bench_calculation(rounds: int = 80) -> dict[int, float]:
    """Best CPU time per size (process time: time spent waiting for a core on a shared machine
    is not the calculation's); sizes are interleaved round by round, so a busy moment on the
    machine hits every size alike instead of skewing the ratio between them."""
    rng = random.Random(42)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    cases = {}
    for items in CALCULATION_SIZES:
        outline = synthetic_outline(items)
        cases[items] = (outline, synthetic_attempts(outline, 2 * items, rng))
    best = dict.fromkeys(CALCULATION_SIZES, float("inf"))
    for _ in range(rounds):
        for items, (outline, attempts) in cases.items():
            repeats = max(1, 10_000 // items // 10)
            seconds = best_time(lambda o=outline, a=attempts: progress_calculate(o, a, now=now),
                                repeats=repeats, clock=time.process_time)
            best[items] = min(best[items], seconds)
    return best


# --- 2. MongoDB round trips per recalculation ----------------------------------------------------

READ_OPERATIONS = {"find", "find_one", "aggregate", "count_documents", "distinct",
                   "estimated_document_count"}
WRITE_OPERATIONS = {"insert_one", "insert_many", "update_one", "update_many", "replace_one",
                    "delete_one", "delete_many", "find_one_and_update", "find_one_and_replace",
                    "find_one_and_delete", "bulk_write"}


class OperationCounter:
    """Counts MongoDB operations: with a real server through pymongo command monitoring, on
    mongomock (which emits no monitoring events) at the pymongo Collection API boundary."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.source = ""

    def install(self) -> None:
        if settings.MONGODB_URI:
            from pymongo import monitoring

            counter = self

            class Listener(monitoring.CommandListener):
                def started(self, event):
                    counter.counts[event.command_name] += 1

                def succeeded(self, event):
                    pass

                def failed(self, event):
                    pass

            monitoring.register(Listener())
            self.source = "pymongo command monitoring"
            return
        import mongomock_ng.collection

        for name in READ_OPERATIONS | WRITE_OPERATIONS:
            original = getattr(mongomock_ng.collection.Collection, name, None)
            if original is None:
                continue

            def counted(collection, *args, _name=name, _original=original, **kwargs):
                # Calls made by mongomock itself (e.g. find_one inside find_one_and_update) are
                # one operation for the caller: count only the outermost.
                if not getattr(self._depth, "value", 0):
                    self.counts[_name] += 1
                self._depth.value = getattr(self._depth, "value", 0) + 1
                try:
                    return _original(collection, *args, **kwargs)
                finally:
                    self._depth.value -= 1

            setattr(mongomock_ng.collection.Collection, name, counted)
        self.source = "mongomock, counted at the pymongo Collection API"

    _depth = threading.local()

    def reads_writes(self) -> tuple[int, int]:
        reads = sum(n for op, n in self.counts.items() if op in READ_OPERATIONS)
        writes = sum(n for op, n in self.counts.items()
                     if op in WRITE_OPERATIONS or op in {"insert", "update", "delete", "findAndModify"})
        if settings.MONGODB_URI:
            reads = sum(n for op, n in self.counts.items() if op in {"find", "aggregate", "count", "getMore"})
        return reads, writes


# --- 3. End-to-end throughput ----------------------------------------------------------------

# A grading policy over the bench course: every assignment by kind (drop the 3 lowest) and the
# first section on its own, with letters.
GRADING = {"categories": [{"name": "Assignments", "kinds": ["assignment"], "weight": 70, "drop_lowest": 3},
                          {"name": "Opening", "sections": ["s0"], "weight": 30}],
           "pass_percent": 50,
           "letters": [{"letter": "A", "min_percent": 85}, {"letter": "B", "min_percent": 70},
                       {"letter": "C", "min_percent": 50}]}


def bench_course(items: int = 100, attempts: int = 200, *, graded: bool = False) -> tuple[str, int]:
    """A 100-item sequential course stored in MongoDB, one learner's 200 attempts in it, and their
    attempt summary (the document the recalculation reads instead of every attempt); with
    `graded`, the course has a grading policy (per-item results are always computed)."""
    sections = [{"key": f"s{s}", "title": f"Section {s}", "lessons": [
        {"title": f"Lesson {s}.{lesson}", "items": [
            {"title": f"Item {s}.{lesson}.{i}", "kind": "assignment", "max_marks": 10, "pass_marks": 5}
            for i in range(10)]} for lesson in range(2)]} for s in range(items // 20)]
    course = course_create(data={"title": "Bench", "slug": f"bench-{ObjectId()}", "unlock_mode": "sequential",
                                 "published": True, "sections": sections,
                                 **({"grading": GRADING} if graded else {})}, created_by=1)
    item_ids = [item.id for item in course.outline.items()]
    rng = random.Random(7)
    user_id = 4242
    stored = ContentAttempt.objects.insert([
        ContentAttempt(user_id=user_id, course_id=course.id, item_id=item_ids[n % (items * 7 // 10)],
                       kind="assignment", marks=rng.randint(0, 10)) for n in range(attempts)])
    for attempt in stored:  # what their requests kept up to date
        attempt_summary_merge(attempt=attempt)
    return str(course.id), user_id


def throughput(task_name: str, kwargs: dict, count: int) -> float:
    """Tasks per second: publish `count` messages, wait until the worker finished them all."""
    done = threading.Event()
    finished = [0]

    def on_done(sender=None, **_):
        if sender.name == task_name:
            finished[0] += 1
            if finished[0] == count:
                done.set()

    task_postrun.connect(on_done, weak=False)
    try:
        started = time.perf_counter()
        for _ in range(count):
            celery_app.send_task(task_name, kwargs=kwargs, queue="progress")
        if not done.wait(300):
            raise RuntimeError(f"{task_name}: only {finished[0]} of {count} finished")
        return count / (time.perf_counter() - started)
    finally:
        task_postrun.disconnect(on_done)


# --- Report --------------------------------------------------------------------------------------

def target(name: str, value: float, op: str, goal: float, fmt: str = "{:.2f}") -> bool:
    ok = value <= goal if op == "<=" else value >= goal if op == ">=" else value == goal
    print(f"target: {name} = {fmt.format(value)} (goal {op} {fmt.format(goal)}) {'PASS' if ok else 'FAIL'}")
    return ok


def main() -> int:
    for url in (settings.REDIS_URL, settings.CELERY_BROKER_URL):
        redis.Redis.from_url(url).flushdb()
    Course.objects.first()  # connect
    counter = OperationCounter()
    counter.install()

    calc = bench_calculation()

    course_id, user_id = bench_course()
    progress_recalculate(user_id=user_id, course_id=course_id)  # warm: outline cache, connections
    counter.counts.clear()
    runs = 20
    for _ in range(runs):
        progress_recalculate(user_id=user_id, course_id=course_id)
    reads, writes = (n / runs for n in counter.reads_writes())
    per_op = {op: n / runs for op, n in sorted(counter.counts.items())}
    recalc_ms = best_time(lambda: progress_recalculate(user_id=user_id, course_id=course_id), repeats=30) * 1000
    graded_id, graded_user = bench_course(graded=True)
    assert progress_recalculate(user_id=graded_user, course_id=graded_id)["grade_percent"] is not None
    graded_ms = best_time(lambda: progress_recalculate(user_id=graded_user, course_id=graded_id),
                          repeats=30) * 1000

    kwargs = {"user_id": user_id, "course_id": course_id}
    rounds, count = int(os.environ.get("BENCH_ROUNDS", "5")), int(os.environ.get("BENCH_TASKS", "200"))
    graded_kwargs = {"user_id": graded_user, "course_id": graded_id}
    empty_rates, recalc_rates, graded_rates = [], [], []
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=["progress"],
                      loglevel="WARNING", shutdown_timeout=60):
        throughput(EMPTY_TASK, kwargs, 20)  # warm up
        throughput("RECALCULATE_COURSE", kwargs, 20)
        for _ in range(rounds):
            empty_rates.append(throughput(EMPTY_TASK, kwargs, count))
            recalc_rates.append(throughput("RECALCULATE_COURSE", kwargs, count))
            graded_rates.append(throughput("RECALCULATE_COURSE", graded_kwargs, count))
    empty_rate, recalc_rate, graded_rate = max(empty_rates), max(recalc_rates), max(graded_rates)
    ratio, graded_ratio = recalc_rate / empty_rate, graded_rate / empty_rate

    print()
    print("| measure | value |")
    print("|---|---|")
    for items, seconds in calc.items():
        print(f"| pure calculation, {items:,} items / {2 * items:,} attempts (best of N) | {seconds * 1000:.3f} ms |")
    print(f"| MongoDB operations per recalculation ({counter.source}) | "
          f"reads {reads:g}, writes {writes:g}: {per_op} |")
    print(f"| one recalculation in-process, 100 items / 200 attempts summarised (best of 30) | "
          f"{recalc_ms:.2f} ms |")
    print(f"| one recalculation in-process, graded 100-item course (grading policy, per-item "
          f"results; best of 30) | {graded_ms:.2f} ms |")
    print(f"| empty task through broker + worker, {count} tasks (best of {rounds}: "
          f"{', '.join(f'{r:.0f}' for r in empty_rates)}) | {empty_rate:.0f} tasks/s |")
    print(f"| RECALCULATE_COURSE through broker + worker, 100 items, {count} tasks (best of {rounds}: "
          f"{', '.join(f'{r:.0f}' for r in recalc_rates)}) | {recalc_rate:.0f} tasks/s |")
    print(f"| RECALCULATE_COURSE, graded 100-item course, {count} tasks (best of {rounds}: "
          f"{', '.join(f'{r:.0f}' for r in graded_rates)}) | {graded_rate:.0f} tasks/s |")
    print()
    results = [
        target("calculation_time_ratio_10k_over_1k", calc[10_000] / calc[1_000], "<=", 12),
        target("mongodb_reads_per_recalculation", reads, "<=", 2, "{:g}"),
        target("mongodb_writes_per_recalculation", writes, "<=", 1, "{:g}"),
        target("recalculate_throughput_over_empty_task", ratio, ">=", 0.5),
        target("graded_recalculate_throughput_over_empty_task", graded_ratio, ">=", 0.5),
    ]
    for url in (settings.REDIS_URL, settings.CELERY_BROKER_URL):
        redis.Redis.from_url(url).flushdb()
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
