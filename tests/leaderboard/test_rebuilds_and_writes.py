"""Rebuild atomicity, one rebuild per missing board, ordered updates, re-applied updates, drift."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import redis
from bson import ObjectId
from celery.signals import before_task_publish
from django.conf import settings as django_settings

from config.task_names import REBUILD_LEADERBOARD
from leaderboard import keys
from leaderboard.aggregation import learner_scores_aggregate
from leaderboard.scoring import composite_decode, composite_encode
from leaderboard.selectors import leaderboard_page
from leaderboard.services import (
    leaderboard_board_rebuild,
    leaderboard_drift_check,
    leaderboard_me_get_or_rebuild,
    leaderboard_page_get_or_rebuild,
    leaderboard_scores_write,
    leaderboard_stamp_take,
    leaderboard_update_request,
    leaderboard_user_score_update,
)
from leaderboard.windows import update_windows
from learning.documents import ContentAttempt
from tests.conftest import wait_until
from tests.leaderboard.conftest import days_ago, me_of, page_of

pytestmark = pytest.mark.django_db


def _cache() -> redis.Redis:
    return redis.Redis.from_url(django_settings.REDIS_URL)


def _bulk_attempts(course: dict, user_ids: range, marks_of, at) -> None:
    """Many learners' homework grades in one insert (fast enough for boards of thousands)."""
    ContentAttempt._get_collection().insert_many([
        {"user_id": u, "course_id": ObjectId(course["id"]), "item_id": ObjectId(course["homework"]),
         "kind": "assignment", "marks": float(marks_of(u)), "completed": False, "answers": [],
         "submitted_at": at + timedelta(seconds=u)} for u in user_ids])


def _points(course_id: str, user_id: int) -> int | None:
    score = _cache().zscore(keys.board_key(course_id), str(user_id))
    return None if score is None else composite_decode(score)[0]


def test_a_reader_during_a_rebuild_sees_the_old_board_complete(course, settings):
    settings.LEADERBOARD_REBUILD_BATCH = 20
    t = days_ago(3)
    _bulk_attempts(course, range(1, 1001), lambda u: u % 20, t)
    leaderboard_board_rebuild(course_id=course["id"])
    _bulk_attempts(course, range(1001, 1501), lambda u: 20, t)  # 500 new learners, all on top

    seen: list[tuple[int, int]] = []
    during: list[tuple[int, int]] = []
    rebuilding, stop = threading.Event(), threading.Event()

    def reader():
        while not stop.is_set():
            page = leaderboard_page(course_id=course["id"], limit=1, offset=0)
            observed = (page["count"], page["results"][0]["score"])
            seen.append(observed)
            if rebuilding.is_set():
                during.append(observed)

    def slow_progress(done: int, total: int) -> None:
        rebuilding.set()
        stop.wait(0.02)  # leave the reader time to look while the temporary key fills

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        result = leaderboard_board_rebuild(course_id=course["id"], progress=slow_progress)
    finally:
        stop.set()
        thread.join()
    assert result["members"] == 1500
    assert set(seen) <= {(1000, 19), (1500, 20)}  # the old board or the new one, never a part
    assert (1000, 19) in during  # the reader really did read while the rebuild was writing
    assert page_of(course_id=course["id"], limit=1, offset=0)["count"] == 1500
    assert not _cache().exists(keys.board_tmp_key(course["id"]))


def test_readers_of_a_missing_board_never_rebuild_it_themselves_and_queue_one_rebuild(
        course, settings, celery_worker):
    """Eight requests hit a board Redis lost: each answers at once with `rebuilding: true`
    (no aggregation inside a request), one REBUILD_LEADERBOARD is queued, and the worker's
    rebuild brings the board back."""
    settings.LEADERBOARD_REBUILD_BATCH = 10
    _bulk_attempts(course, range(1, 401), lambda u: u % 7, days_ago(2))
    expected_rank = me_of(course_id=course["id"], user_id=6, around=0)["rank"]
    _cache().delete(keys.board_key(course["id"]), keys.stats_key(course["id"]))  # flushed, evicted
    published: list[str] = []

    def count_rebuilds(sender=None, headers=None, **kwargs):
        if sender == REBUILD_LEADERBOARD:
            published.append(headers["id"])

    before_task_publish.connect(count_rebuilds, weak=False)
    start = threading.Barrier(8)
    answers: list[dict] = []
    errors: list[BaseException] = []

    def request(index: int) -> None:
        try:
            start.wait()
            if index % 2:
                answers.append(leaderboard_me_get_or_rebuild(course_id=course["id"], user_id=6, around=1))
            else:
                answers.append(leaderboard_page_get_or_rebuild(course_id=course["id"], limit=3, offset=0))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=request, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        before_task_publish.disconnect(count_rebuilds)
    assert errors == []
    assert all(a["rebuilding"] for a in answers) and len(answers) == 8
    assert {a["count"] for a in answers} == {0}
    assert len(published) == 1
    board = wait_until(lambda: leaderboard_page(course_id=course["id"], limit=3, offset=0))
    assert board["count"] == 400
    me = leaderboard_me_get_or_rebuild(course_id=course["id"], user_id=6, around=0)
    assert (me["rank"], me["rebuilding"]) == (expected_rank, False)
    assert int(_cache().hget(keys.stats_key(course["id"]), "rebuilds:all")) == 1


def test_a_rebuild_that_finds_the_board_already_there_leaves_it_alone(course):
    leaderboard_board_rebuild(course_id=course["id"])
    assert leaderboard_board_rebuild(course_id=course["id"], only_if_missing=True)["skipped"] is True


def test_an_older_computation_never_replaces_a_newer_one(course, attempt):
    t = days_ago(1)
    attempt(1, "quiz1", 5, t)
    leaderboard_board_rebuild(course_id=course["id"])
    windows = update_windows()
    # Computation A reads MongoDB, then stalls; computation B starts later and finishes first.
    stamp_a = leaderboard_stamp_take(course_id=course["id"], user_id=1)
    scores_a = learner_scores_aggregate(course_id=course["id"], user_id=1, windows=windows)
    attempt(1, "quiz1", 9, t + timedelta(minutes=1))
    stamp_b = leaderboard_stamp_take(course_id=course["id"], user_id=1)
    scores_b = learner_scores_aggregate(course_id=course["id"], user_id=1, windows=windows)
    assert stamp_a.order < stamp_b.order
    assert leaderboard_scores_write(course_id=course["id"], user_id=1, stamp=stamp_b, windows=windows,
                                    scores=scores_b) >= 1
    assert leaderboard_scores_write(course_id=course["id"], user_id=1, stamp=stamp_a, windows=windows,
                                    scores=scores_a) == -1
    assert _points(course["id"], 1) == 900


def test_an_update_computed_before_a_rebuild_does_not_overwrite_it(course, attempt):
    t = days_ago(1)
    attempt(1, "quiz1", 5, t)
    leaderboard_board_rebuild(course_id=course["id"])
    windows = update_windows()
    stamp = leaderboard_stamp_take(course_id=course["id"], user_id=1)
    stale = learner_scores_aggregate(course_id=course["id"], user_id=1, windows=windows)
    attempt(1, "quiz1", 9, t + timedelta(minutes=1))
    leaderboard_board_rebuild(course_id=course["id"])  # reads MongoDB after the stale computation
    assert leaderboard_scores_write(course_id=course["id"], user_id=1, stamp=stamp, windows=windows,
                                    scores=stale) == 0
    assert _points(course["id"], 1) == 900


def test_after_redis_loses_everything_updates_and_rebuilds_start_over_cleanly(course, attempt):
    """No ordering state lives only in Redis: after a flush, the rebuilt board takes updates."""
    t = days_ago(1)
    attempt(1, "quiz1", 5, t)
    for _ in range(3):
        leaderboard_board_rebuild(course_id=course["id"])
        leaderboard_user_score_update(course_id=course["id"], user_id=1)
    _cache().flushdb()
    leaderboard_board_rebuild(course_id=course["id"])
    attempt(1, "quiz1", 9, t + timedelta(minutes=1))
    assert leaderboard_user_score_update(course_id=course["id"], user_id=1)["written"] >= 1
    assert _points(course["id"], 1) == 900


def test_updates_that_arrive_during_a_rebuild_are_reapplied_after_its_rename(course, attempt, settings):
    settings.LEADERBOARD_REBUILD_BATCH = 10
    t = days_ago(1)
    _bulk_attempts(course, range(1, 301), lambda u: 1, t)
    leaderboard_board_rebuild(course_id=course["id"])
    updated: list[dict] = []

    def update_mid_rebuild(done: int, total: int) -> None:
        if not updated:  # once, while the temporary key is still filling
            assert _cache().exists(keys.board_tmp_key(course["id"]))
            attempt(7, "quiz1", 10, t + timedelta(hours=1))
            updated.append(leaderboard_user_score_update(course_id=course["id"], user_id=7))

    result = leaderboard_board_rebuild(course_id=course["id"], progress=update_mid_rebuild)
    assert updated[0]["written"] >= 1  # it went to the old live board, which the RENAME replaced
    assert result["reapplied"] == 1
    assert _points(course["id"], 7) == 1100
    assert me_of(course_id=course["id"], user_id=7, around=0)["rank"] == 1


def test_the_drift_check_repairs_differences_and_says_how_many(course, attempt):
    t = days_ago(4)
    for user_id in range(1, 6):
        attempt(user_id, "quiz1", user_id, t + timedelta(minutes=user_id))
    leaderboard_board_rebuild(course_id=course["id"])
    board = keys.board_key(course["id"])
    truth = _cache().zrange(board, 0, -1, withscores=True)
    cache = _cache()
    cache.zadd(board, {"2": composite_encode(cents=99_900, reached_at=t)})  # wrong score
    cache.zrem(board, "3")  # lost update
    cache.zadd(board, {"42": composite_encode(cents=100, reached_at=t)})  # no attempts at all
    assert leaderboard_drift_check(course_id=course["id"], sample=50)["differed"] == 3
    assert cache.zrange(board, 0, -1, withscores=True) == truth
    assert leaderboard_drift_check(course_id=course["id"], sample=50)["differed"] == 0
    assert int(cache.hget(keys.stats_key(course["id"]), "drift_repaired")) == 3


def test_a_burst_of_update_requests_queues_one_update(course, progress_queue_paused):
    assert leaderboard_update_request(course_id=course["id"], user_id=1) is True
    assert leaderboard_update_request(course_id=course["id"], user_id=1) is False
    assert leaderboard_update_request(course_id=course["id"], user_id=2) is True
    marker = keys.update_pending_key(course["id"], 1)
    assert _cache().exists(marker)
    leaderboard_user_score_update(course_id=course["id"], user_id=1)  # the task starts
    assert not _cache().exists(marker)
    assert leaderboard_update_request(course_id=course["id"], user_id=1) is True


def test_an_empty_course_is_rebuilt_once_and_then_remembered_as_empty(course):
    first = page_of(course_id=course["id"], limit=10, offset=0)
    again = leaderboard_me_get_or_rebuild(course_id=course["id"], user_id=1, around=2)
    assert (first["count"], first["results"], again["rank"], again["rebuilding"]) == (0, [], None, False)
    assert int(_cache().hget(keys.stats_key(course["id"]), "rebuilds:all")) == 1
    assert _cache().exists(keys.empty_marker_key(course["id"]))
