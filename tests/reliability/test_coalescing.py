"""A burst of attempts for one learner and course runs a handful of recalculations, not one each.

The burst stores attempts and makes the request that `attempt_submit` makes after storing one
(`progress_recalculation_request`); the full submit path (validation, lock check, leaderboard
and activity work) is slower than 1,000 attempts in 2 s on mongomock and is tested elsewhere.
"""
from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from bson import ObjectId
from celery.signals import task_prerun
from django.conf import settings

from flows.enrollments import enrollment_create
from learning.documents import ContentAttempt
from learning.selectors import attempt_facts_get, course_outline_get
from learning.services import attempt_summary_merge, course_create
from progress.calculation import progress_calculate
from progress.keys import progress_cache_key, progress_pending_key, progress_running_key
from progress.services import progress_recalculate, progress_recalculation_request
from tests.conftest import wait_until
from tests.factories import python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

BURST = 1000
BURST_SECONDS = 2.0


def _open_course(staff) -> str:
    course = course_create(data=python_course_payload(unlock_mode="open"), created_by=staff.pk)
    return str(course.id)


def _settled(user_id: int, course_id: str) -> bool:
    cache = redis.Redis.from_url(settings.REDIS_URL)
    busy = cache.exists(progress_pending_key(user_id, course_id), progress_running_key(user_id, course_id))
    return not busy and cache.exists(progress_cache_key(user_id, course_id))


def test_a_burst_of_1000_attempts_runs_at_most_10_recalculations_and_ends_right(
        make_user, staff, celery_worker):
    cid = _open_course(staff)
    ada = make_user("ada")
    enrollment_create(user=ada, course_id=cid)
    wait_until(lambda: _settled(ada.pk, cid))
    time.sleep(settings.PROGRESS_RECALC_MIN_INTERVAL_MS / 1000)  # the enrollment's interval is over
    video, quiz1, _homework, article, quiz2 = [i.id for i in course_outline_get(course_id=cid).items()]

    runs: list[float] = []

    def count_run(sender=None, kwargs=None, **_):
        if sender.name == "RECALCULATE_COURSE" and kwargs.get("user_id") == ada.pk:
            runs.append(time.monotonic())

    task_prerun.connect(count_run, weak=False)
    try:
        rng = random.Random(7)
        quizzes = {quiz1: 10.0, quiz2: 4.0}
        started = time.monotonic()
        for number in range(BURST):
            # Paced over about two seconds, so a fast worker would otherwise run many times.
            ahead = started + number * BURST_SECONDS / BURST - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            if number % 3 == 2:
                item, kind = (video, "video") if number % 2 else (article, "article")
                marks, completed = None, True
            else:
                item = quiz1 if number % 2 else quiz2
                kind, completed = "quiz", False
                marks = round(rng.random() * quizzes[item], 1)
            attempt = ContentAttempt(user_id=ada.pk, course_id=ObjectId(cid), item_id=ObjectId(item),
                                     kind=kind, marks=marks, completed=completed)
            attempt.save()  # what the API does for progress, without the other derived work
            attempt_summary_merge(attempt=attempt)
            progress_recalculation_request(user_id=ada.pk, course_id=cid)
        burst_end = time.monotonic()
        print(f"burst of {BURST} attempts took {burst_end - started:.2f}s")
        wait_until(lambda: _settled(ada.pk, cid) and runs and runs[-1] > burst_end, timeout=30)
    finally:
        task_prerun.disconnect(count_run)

    print(f"{len(runs)} recalculations for {BURST} attempts")
    assert 1 <= len(runs) <= 10, f"{len(runs)} recalculations for {BURST} attempts"
    stored = json.loads(redis.Redis.from_url(settings.REDIS_URL).get(progress_cache_key(ada.pk, cid)))
    fresh = progress_calculate(course_outline_get(course_id=cid),
                               attempt_facts_get(user_id=ada.pk, course_id=cid),
                               now=datetime.now(UTC))
    assert len(attempt_facts_get(user_id=ada.pk, course_id=cid)) == BURST
    assert stored["completion_percent"] == fresh.completion_percent
    assert stored["completed_item_ids"] == fresh.completed_item_ids
    assert stored["marks_obtained"] == fresh.marks_obtained
    assert stored["unlocked"]["items"] == fresh.unlocked_items
    assert stored["next_item_id"] == fresh.next_item_id



def _queued_recalculations() -> list[dict]:
    """RECALCULATE_COURSE messages waiting in the broker's `progress` list, oldest first."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in reversed(broker.lrange("progress", 0, -1))]
    return [m["headers"] for m in messages if m["headers"]["task"] == "RECALCULATE_COURSE"]


def test_first_request_runs_at_once_and_one_within_the_interval_waits_for_its_end(
        make_user, staff, progress_queue_paused):
    cid = _open_course(staff)
    ada = make_user("ada")
    assert progress_recalculation_request(user_id=ada.pk, course_id=cid) is True
    assert progress_recalculation_request(user_id=ada.pk, course_id=cid) is False  # coalesced
    first = _queued_recalculations()
    assert len(first) == 1 and first[0]["eta"] is None

    run_started = datetime.now(UTC)
    progress_recalculate(user_id=ada.pk, course_id=cid)  # what the worker runs for that message
    assert progress_recalculation_request(user_id=ada.pk, course_id=cid) is True
    requested = datetime.now(UTC)
    delayed = _queued_recalculations()[1]
    eta = datetime.fromisoformat(delayed["eta"])
    # The delayed run starts when the interval opened by the last run ends.
    interval = timedelta(milliseconds=settings.PROGRESS_RECALC_MIN_INTERVAL_MS)
    assert run_started + interval - timedelta(milliseconds=50) <= eta <= requested + interval
    # Until the delayed run starts, readers are told a recalculation is pending.
    assert redis.Redis.from_url(settings.REDIS_URL).exists(progress_pending_key(ada.pk, cid))
