"""Faults injected mid-load with the real worker; each scenario ends when every learner's
progress and every board equal a fresh computation from MongoDB, and prints how long it took.

Faults that take a broker or a Redis away from the session worker run in processes of their own
(test_redis_flush.py, test_broker_down.py); `make chaos` runs the long versions against the
`make run` stack.
"""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
import redis
from celery.signals import task_failure
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from pymongo.errors import AutoReconnect

from config.dispatch import task_dispatch
from config.documents import OutboxEntry
from flows.consistency import consistency_check
from leaderboard import keys as board_keys
from leaderboard.scoring import ALL_TIME
from leaderboard.services import leaderboard_board_rebuild, leaderboard_rebuild_request
from learning.documents import ContentAttempt
from learning.services import attempt_summary_merge
from progress.documents import CourseProgress
from progress.services import progress_compute
from tests.conftest import wait_until
from tests.factories import item_ids
from tests.reliability.faults import fleet_make, queues_delete

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


@pytest.fixture
def fleet(celery_worker, staff_client, make_user, client_for, settings):
    # Lost work is due for the sweep at once (120 s by default; `make chaos` keeps the default).
    settings.OUTBOX_REDELIVER_SECONDS = 0
    fleet = fleet_make(staff_client=staff_client, make_user=make_user, client_for=client_for)
    fleet.drive(9)
    return fleet


def test_the_cache_db_flushed_mid_load_converges(fleet):
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    fleet.drive(9)
    fleet.converge("cache DB flushed mid-load", timeout=30)


def test_every_queued_message_lost_mid_load_converges(fleet):
    fleet.drive(6)
    queues_delete()
    fleet.drive(6)
    queues_delete()
    fleet.converge("queued and unacked messages deleted mid-load", timeout=30)


def test_a_cache_without_anything_is_reported_and_the_check_itself_can_fail(fleet):
    """The checker sees what readers would see: a cached progress that differs, a board member
    with a wrong score, and a missing board."""
    fleet.converge("baseline", timeout=30)
    user, _client = fleet.learners[0]
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cache.zadd(board_keys.board_key(fleet.course_id, ALL_TIME.name), {str(user.pk): 1})
    CourseProgress._get_collection().update_many({}, {"$set": {"completed_items": 99}})
    cache.delete(*cache.keys(f"user:*:course:{fleet.course_id}:progress"))
    report = consistency_check(course_ids=[fleet.course_id])
    assert not report.ok
    assert {d["user_id"] for d in report.progress_diffs} == {u.pk for u, _ in fleet.learners}
    assert report.board_diffs[0]["users"] == [user.pk]
    cache.delete(board_keys.board_key(fleet.course_id, ALL_TIME.name))
    assert consistency_check(course_ids=[fleet.course_id]).boards_missing


def test_mongodb_errors_longer_than_the_retry_window_park_the_work_and_it_converges(
        fleet, monkeypatch):
    """Every progress write and board aggregation fails until each task ran out of retries;
    the work stays in the outbox and the sweep gets it done once MongoDB answers again."""
    fleet.converge("baseline", timeout=30)
    collection_class = type(CourseProgress._get_collection())  # mongomock's or pymongo's
    store, aggregate = collection_class.find_one_and_update, collection_class.aggregate
    failures = {"course_progress": 0, "content_attempts": 0}

    def progress_unavailable(self, *args, **kwargs):
        if self.name == "course_progress":
            failures[self.name] += 1
            raise AutoReconnect("connection reset")
        return store(self, *args, **kwargs)

    def boards_unavailable(self, *args, **kwargs):
        if self.name == "content_attempts":
            failures[self.name] += 1
            raise AutoReconnect("connection reset")
        return aggregate(self, *args, **kwargs)

    gave_up: set[str] = set()

    def record(sender=None, **_):
        gave_up.add(sender.name)

    task_failure.connect(record, weak=False)
    monkeypatch.setattr(collection_class, "find_one_and_update", progress_unavailable)
    monkeypatch.setattr(collection_class, "aggregate", boards_unavailable)
    try:
        fleet.drive(6)
        # A task fails for good after max_retries (5) backed-off retries: about 15-31 s.
        wait_until(lambda: {"RECALCULATE_COURSE", "UPDATE_LEADERBOARD"} <= gave_up, timeout=90,
                   interval=0.5)
    finally:
        monkeypatch.undo()
        task_failure.disconnect(record)
    assert failures["course_progress"] >= 6, failures
    assert OutboxEntry.objects(task_name__in=["RECALCULATE_COURSE", "UPDATE_LEADERBOARD"]).count()
    fleet.converge("MongoDB errors longer than the retry window", timeout=60)


def test_attempts_cut_short_by_a_dead_api_process_converge(fleet):
    """The state a process killed between storing an attempt and queueing its follow-up leaves:
    the attempts stored, still flagged, nothing else done (older than the sweep's grace)."""
    ids = item_ids(fleet.course)
    for user, _client in fleet.learners:
        ContentAttempt(user_id=user.pk, course_id=fleet.course_id, item_id=ids[3], kind="article",
                       completed=True, followup_pending=True,
                       submitted_at=timezone.now() - timedelta(minutes=1)).save()
    assert not consistency_check(course_ids=[fleet.course_id]).ok
    fleet.converge("API killed between the attempt write and its follow-up", timeout=30)


def test_a_rebuild_killed_half_way_leaves_the_board_to_a_new_rebuild_soon(fleet, settings):
    """A worker killed mid-rebuild leaves its lock, a half-written temporary board and the
    readers' request marker; the board is missing. The redelivered rebuild and later readers
    must get it built within the lock's lease, not after the task's hard time limit."""
    settings.LEADERBOARD_REBUILD_LEASE_SECONDS = 3
    fleet.converge("baseline", timeout=30)
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cid = fleet.course_id
    name = ALL_TIME.name
    cache.delete(board_keys.board_key(cid, name))
    # What the dead rebuild left: its lock, with the lease it took, and part of its work.
    cache.set(board_keys.rebuild_lock_key(cid, name), "dead-worker",
              ex=settings.LEADERBOARD_REBUILD_LEASE_SECONDS)
    cache.zadd(board_keys.board_tmp_key(cid, name), {"1": 1})
    cache.set(board_keys.rebuild_requested_key(cid, name), 1, ex=board_keys.REBUILD_REQUESTED_TTL_SECONDS)
    # Its message, delivered again (acks_late) once the broker sees the worker gone.
    leaderboard_rebuild_request(course_id=cid, window=ALL_TIME)
    seconds = fleet.converge("worker killed during a rebuild",
                             timeout=settings.LEADERBOARD_REBUILD_LEASE_SECONDS + 20)
    assert seconds < settings.LEADERBOARD_REBUILD_LEASE_SECONDS + 15
    wait_until(lambda: not cache.exists(board_keys.board_tmp_key(cid, name)), timeout=5)


def test_concurrent_course_edits_under_load_store_one_outline_per_round_and_converge(
        fleet, client_for, staff):
    """Two editors add an item to the course at the same moment, round after round, while
    learners make attempts: per round one edit is stored (the other gets 412/409), and every
    learner's progress ends computed against the last outline."""
    url = f"/api/v1/courses/{fleet.course_id}/"
    both_ready = threading.Barrier(2)
    results: dict[str, list[int]] = {"ann": [], "bea": []}

    def editor(name: str) -> None:
        client = client_for(staff)
        for n in range(4):
            read = client.get(url)
            body = read.json()
            body["sections"][-1]["lessons"][-1]["items"].append({"title": f"{name}-{n}", "kind": "video"})
            both_ready.wait(timeout=30)
            response = client.put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])
            results[name].append(response.status_code)
            both_ready.wait(timeout=30)

    threads = [threading.Thread(target=editor, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    fleet.drive(12)
    for thread in threads:
        thread.join(timeout=60)
    for n in range(4):
        assert sorted((results["ann"][n], results["bea"][n]))[0] == 200, results
        assert sorted((results["ann"][n], results["bea"][n]))[1] in (409, 412), results
    course = fleet.staff_client.get(url).json()
    assert len(item_ids(course)) == 5 + 4
    fleet.converge("concurrent course edits under load", timeout=30)


def test_recalculations_killed_half_way_converge_when_their_messages_come_back(fleet):
    """A worker killed mid-recalculation leaves its markers (pending cleared, running set) and an
    unacknowledged message; nothing was stored. The message comes back (visibility timeout, or
    the outbox sweep) and the run completes."""
    fleet.converge("baseline", timeout=30)
    ids = item_ids(fleet.course)
    for user, _client in fleet.learners:
        ContentAttempt(user_id=user.pk, course_id=fleet.course_id, item_id=ids[4], kind="quiz",
                       marks=4.0).save()
        progress_compute(user_id=user.pk, course_id=fleet.course_id)  # then the process died
        attempt = ContentAttempt.objects(user_id=user.pk, item_id=ids[4]).first()
        attempt_summary_merge(attempt=attempt)
    assert not consistency_check(course_ids=[fleet.course_id]).ok
    for user, _client in fleet.learners:  # what the broker delivers again
        task_dispatch(task_name="RECALCULATE_COURSE",
                      kwargs={"user_id": user.pk, "course_id": fleet.course_id},
                      key=f"RECALCULATE_COURSE:{user.pk}:{fleet.course_id}")
        task_dispatch(task_name="UPDATE_LEADERBOARD",
                      kwargs={"user_id": user.pk, "course_id": fleet.course_id},
                      key=f"UPDATE_LEADERBOARD:{fleet.course_id}:{user.pk}")
    fleet.converge("worker killed during recalculations", timeout=30)


def test_a_live_rebuild_keeps_its_lease_past_its_length_and_others_wait_for_it(fleet, settings):
    """The lease is renewed while the rebuild runs: a rebuild longer than the lease keeps the
    board to itself, and a second one is told how long to wait."""
    settings.LEADERBOARD_REBUILD_LEASE_SECONDS = 1
    cache = redis.Redis.from_url(settings.REDIS_URL)
    lock = board_keys.rebuild_lock_key(fleet.course_id, ALL_TIME.name)
    seen = []

    def slow(done: int, total: int) -> None:
        time.sleep(1.6)  # longer than the lease
        seen.append((cache.ttl(lock),
                     leaderboard_board_rebuild(course_id=fleet.course_id, window=ALL_TIME)))

    result = leaderboard_board_rebuild(course_id=fleet.course_id, window=ALL_TIME, progress=slow)
    assert result["members"] >= 1
    ttl, second = seen[-1]
    assert ttl > 0 and second["skipped"] is True and second["busy_seconds"] >= 1
    assert not cache.exists(lock)


def test_the_check_is_a_staff_endpoint_and_a_command(fleet, client_for, capsys):
    fleet.converge("baseline", timeout=30)
    url = f"/api/v1/courses/{fleet.course_id.upper()}/consistency/"
    body = fleet.staff_client.get(url).json()
    assert body["ok"] is True and body["learners"] == len(fleet.learners) and body["boards"] == 2
    _user, learner = fleet.learners[0]
    assert learner.get(url).status_code == 403
    capsys.readouterr()  # what the scenario printed so far
    call_command("consistency", "--course", fleet.course_id)
    assert json.loads(capsys.readouterr().out)["ok"] is True
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the boards are gone
    with pytest.raises(CommandError):
        call_command("consistency")
