"""The global board: every published course's points, weighted, summed; kept by the update path,
rebuilt by REBUILD_LEADERBOARD and the command, drift-checked — over HTTP with a real worker."""
from __future__ import annotations

from io import StringIO

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from config.celery import app as celery_app
from leaderboard import keys
from leaderboard.scoring import GLOBAL_SCALE, composite_encode
from tests.conftest import wait_until
from tests.leaderboard.conftest import course_create

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

GLOBAL_URL = "/api/v1/leaderboard/"


def _rows(client) -> list[tuple]:
    response = client.get(GLOBAL_URL, {"limit": 20})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["course_id"] is None
    return [(r["rank"], r["user_id"], r["score"]) for r in body["results"]]


def _rebuilds(cache) -> int:
    return int(cache.hget(keys.stats_key(keys.GLOBAL_ID), "rebuilds:all") or 0)


@pytest.fixture
def two_courses(graded_board):
    """The graded board (Ada 10, Bob 8, Cy 8, Dee 5) and a second course: Ada 3, Bob 20."""
    staff, ids = graded_board.staff, graded_board.ids
    other, homework = course_create(staff, "global-2")
    for name in ("ada", "bob"):
        assert graded_board.clients[name].post(f"/api/v1/courses/{other}/enroll/").status_code == 201
    for name, marks in (("ada", 3), ("bob", 20)):
        assert staff.post(f"/api/v1/courses/{other}/attempts/", {
            "content_id": homework, "user_id": ids[name], "marks": marks},
            format="json").status_code == 202
    wait_until(lambda: staff.get(f"/api/v1/courses/{other}/leaderboard/").json()["count"] == 2)
    return graded_board, other, homework


def test_the_global_board_sums_every_course_and_follows_updates_without_a_recount(two_courses):
    board, other, homework = two_courses
    ids, dee = board.ids, board.clients["dee"]
    expected = [(1, ids["bob"], 28), (2, ids["ada"], 13), (3, ids["cy"], 8), (4, ids["dee"], 5)]
    wait_until(lambda: _rows(dee) == expected)  # its first reader had a worker build it
    cache = redis.Redis.from_url(settings.REDIS_URL)
    rebuilds = _rebuilds(cache)
    # A new score anywhere reaches the global board through UPDATE_LEADERBOARD alone.
    assert dee.post(f"/api/v1/courses/{other}/enroll/").status_code == 201
    assert board.staff.post(f"/api/v1/courses/{other}/attempts/", {
        "content_id": homework, "user_id": ids["dee"], "marks": 9}, format="json").status_code == 202
    wait_until(lambda: _rows(dee) == [(1, ids["bob"], 28), (2, ids["dee"], 14),
                                      (3, ids["ada"], 13), (4, ids["cy"], 8)])
    assert _rebuilds(cache) == rebuilds
    me = dee.get(GLOBAL_URL + "me/", {"around": 1}).json()
    assert (me["rank"], me["score"], me["count"], me["percentile"]) == (2, 14, 4, 75.0)
    assert [e["user_id"] for e in me["around"]] == [ids["bob"], ids["dee"], ids["ada"]]
    # Privacy applies: a hidden learner leaves the global board too.
    board.clients["bob"].put("/api/v1/leaderboard/visibility/", {"visibility": "hidden"},
                             format="json")
    wait_until(lambda: [r[1] for r in _rows(dee)] == [ids["dee"], ids["ada"], ids["cy"]])
    assert board.clients["bob"].get(GLOBAL_URL + "me/").json()["rank"] == 1


def test_staff_weight_a_course_and_the_global_board_is_rebuilt(two_courses):
    board, other, _ = two_courses
    ids, url = board.ids, f"/api/v1/courses/{other}/leaderboard/global-weight/"
    wait_until(lambda: _rows(board.staff)[:1] == [(1, ids["bob"], 28)])
    assert board.clients["ada"].put(url, {"weight": 2}, format="json").status_code == 403
    for bad in ({"weight": -1}, {"weight": 101}, {"weight": "x"}, {"weight": "2"},
                {"weight": True}, {}):
        assert board.staff.put(url, bad, format="json").status_code == 400, bad
    response = board.staff.put(url, {"weight": 2}, format="json")
    assert response.status_code == 200 and response.json() == {"course_id": other, "weight": 2.0}
    assert board.clients["ada"].get(url).json()["weight"] == 2.0
    wait_until(lambda: _rows(board.staff)[:2] == [(1, ids["bob"], 48), (2, ids["ada"], 16)])
    # Weight 0 leaves the course out.
    board.staff.put(url, {"weight": 0}, format="json")
    # (Bob and Cy tie at 8 within the hour: the global board breaks ties to the hour.)
    wait_until(lambda: {(r[1], r[2]) for r in _rows(board.staff)} == {
        (ids["ada"], 10), (ids["bob"], 8), (ids["cy"], 8), (ids["dee"], 5)})


def test_the_global_board_is_rebuilt_nightly_by_the_command_and_repaired_by_the_drift_check(
        two_courses):
    board, _, _ = two_courses
    ids = board.ids
    expected = [(1, ids["bob"], 28), (2, ids["ada"], 13), (3, ids["cy"], 8), (4, ids["dee"], 5)]
    wait_until(lambda: _rows(board.staff) == expected)
    cache = redis.Redis.from_url(settings.REDIS_URL)
    global_board = keys.board_key(keys.GLOBAL_ID)
    cache.zadd(global_board, {str(ids["cy"]): composite_encode(
        cents=99_900, reached_at=timezone.now(), scale=GLOBAL_SCALE)})
    assert _rows(board.staff)[0][1] == ids["cy"]
    celery_app.send_task("CHECK_LEADERBOARD_DRIFT")
    wait_until(lambda: _rows(board.staff) == expected)
    rebuilds = _rebuilds(cache)
    celery_app.send_task("REBUILD_ALL_LEADERBOARDS")
    wait_until(lambda: _rebuilds(cache) > rebuilds)
    cache.delete(global_board)  # lost: the command rebuilds it in this process
    out, err = StringIO(), StringIO()
    call_command("rebuild_leaderboards", "--global", stdout=out, stderr=err)
    assert "global board done (4)" in err.getvalue()
    assert _rows(board.staff) == expected


def test_unpublishing_a_course_takes_its_points_off_the_global_board_and_publishing_restores_them(
        two_courses):
    board, other, _ = two_courses
    ids, staff = board.ids, board.staff
    with_both = [(1, ids["bob"], 28), (2, ids["ada"], 13), (3, ids["cy"], 8), (4, ids["dee"], 5)]
    wait_until(lambda: _rows(staff) == with_both)
    response = staff.patch(f"/api/v1/courses/{other}/", {"published": False}, format="json")
    assert response.status_code == 200, response.content
    # (Bob and Cy tie at 8 within the hour: the global board breaks ties to the hour.)
    wait_until(lambda: {(u, score) for _, u, score in _rows(staff)} == {
        (ids["ada"], 10), (ids["bob"], 8), (ids["cy"], 8), (ids["dee"], 5)})
    # A title edit is not a publication change: no rebuild.
    cache = redis.Redis.from_url(settings.REDIS_URL)
    rebuilds = _rebuilds(cache)
    assert staff.patch(f"/api/v1/courses/{other}/", {"title": "Renamed"},
                       format="json").status_code == 200
    assert staff.patch(f"/api/v1/courses/{other}/", {"published": True},
                       format="json").status_code == 200
    wait_until(lambda: _rows(staff) == with_both)
    assert _rebuilds(cache) == rebuilds + 1
