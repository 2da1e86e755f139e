"""Groups: staff create them, every board read takes ?group=, members see their groups' boards;
kept by UPDATE_LEADERBOARD and REBUILD_LEADERBOARD through a real worker."""
from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from leaderboard import keys
from leaderboard.scoring import composite_encode
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _groups_url(board) -> str:
    return f"/api/v1/courses/{board.course}/groups/"


def _create(board, name: str, *members: str) -> dict:
    response = board.staff.post(_groups_url(board), {
        "name": name, "members": [board.ids[m] for m in members]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _group_rows(board, group: str, client=None, **query) -> list[tuple]:
    return board.rows(client, group=group, **query)


def test_a_group_board_ranks_its_members_only_with_the_course_boards_semantics(graded_board):
    ids, url = graded_board.ids, graded_board.url
    group = _create(graded_board, "Cohort A", "bob", "dee")
    assert (group["name"], group["member_count"]) == ("Cohort A", 2)
    bob, dee = graded_board.clients["bob"], graded_board.clients["dee"]
    wait_until(lambda: _group_rows(graded_board, group["id"], bob) == [
        (1, ids["bob"], 8), (2, ids["dee"], 5)])
    page = bob.get(url, {"group": group["id"]}).json()
    assert (page["group"], page["count"], page["window"]) == (group["id"], 2, "all")
    me = dee.get(url + "me/", {"group": group["id"], "around": 1}).json()
    assert (me["rank"], me["count"], me["percentile"], me["group"]) == (2, 2, 50.0, group["id"])
    assert [e["user_id"] for e in me["around"]] == [ids["bob"], ids["dee"]]
    staff_view = graded_board.staff.get(url + f"users/{ids['bob']}/", {"group": group["id"]})
    assert staff_view.json()["rank"] == 1
    wait_until(lambda: _group_rows(graded_board, group["id"], window="week") == [
        (1, ids["bob"], 8), (2, ids["dee"], 5)])
    # A new score reaches the group's boards by the same update path.
    graded_board.grade("dee", 9)
    wait_until(lambda: _group_rows(graded_board, group["id"]) == [
        (1, ids["dee"], 9), (2, ids["bob"], 8)])
    wait_until(lambda: _group_rows(graded_board, group["id"], window="week")[0][1] == ids["dee"])
    # Friends and ranking modes apply within the group board too.
    assert dee.get(url, {"group": group["id"], "users": str(ids["bob"])}).json()["count"] == 2
    graded_board.staff.put(url + "config/", {"ranking": "dense"}, format="json")
    assert [r[0] for r in _group_rows(graded_board, group["id"])] == [1, 2]


def test_learners_see_only_their_groups_boards_and_staff_manage_groups(graded_board):
    ids, url = graded_board.ids, graded_board.url
    ada, bob = graded_board.clients["ada"], graded_board.clients["bob"]
    group = _create(graded_board, "Cohort A", "bob")
    denied = ada.get(url, {"group": group["id"]})
    assert denied.status_code == 403 and denied.json()["code"] == "not_in_group"
    assert ada.get(url + "me/", {"group": group["id"]}).status_code == 403
    assert bob.get(url, {"group": group["id"]}).status_code == 200
    assert [g["id"] for g in bob.get(_groups_url(graded_board)).json()] == [group["id"]]
    assert ada.get(_groups_url(graded_board)).json() == []
    assert bob.get(_groups_url(graded_board) + group["id"] + "/").status_code == 200
    assert ada.get(_groups_url(graded_board) + group["id"] + "/").status_code == 403
    # Only staff change groups.
    assert bob.post(_groups_url(graded_board), {"name": "x"}, format="json").status_code == 403
    assert bob.post(_groups_url(graded_board) + group["id"] + "/members/",
                    {"user_ids": [ids["ada"]]}, format="json").status_code == 403
    renamed = graded_board.staff.patch(_groups_url(graded_board) + group["id"] + "/",
                                       {"name": "Cohort B"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Cohort B"
    # Bad input: 400 / 404 with a code, never a 500.
    other = "0" * 24
    missing = bob.get(url, {"group": other})
    assert missing.status_code == 404 and missing.json()["code"] == "group_not_found"
    assert bob.get(url, {"group": "nothex"}).status_code == 400
    staff = graded_board.staff
    assert staff.post(_groups_url(graded_board), {"members": []}, format="json").status_code == 400
    assert staff.post(_groups_url(graded_board), {"name": "x", "members": ["a"]},
                      format="json").status_code == 400
    assert staff.post(_groups_url(graded_board), {"name": 7}, format="json").status_code == 400
    assert staff.patch(_groups_url(graded_board) + group["id"] + "/", {"name": 7},
                       format="json").status_code == 400
    for members in ([2**63], [str(ids["ada"])], [1.5], [True]):  # too big, not JSON integers
        assert staff.post(_groups_url(graded_board), {"name": "x", "members": members},
                          format="json").status_code == 400, members
        assert staff.post(_groups_url(graded_board) + group["id"] + "/members/",
                          {"user_ids": members}, format="json").status_code == 400, members
    outsider = staff.post(_groups_url(graded_board), {"name": "x", "members": [999999]},
                          format="json")
    assert outsider.status_code == 400 and outsider.json()["code"] == "members_not_enrolled"
    assert staff.get(_groups_url(graded_board) + "xyz/").status_code == 400
    assert staff.post(_groups_url(graded_board) + other + "/members/",
                      {"user_ids": [ids["ada"]]}, format="json").status_code == 404
    assert staff.post(_groups_url(graded_board) + group["id"] + "/members/",
                      {"user_ids": []}, format="json").status_code == 400
    # Delete: the group and its boards go.
    assert staff.delete(_groups_url(graded_board) + group["id"] + "/").status_code == 204
    assert bob.get(url, {"group": group["id"]}).status_code == 404


def test_adding_and_removing_members_rebuilds_the_group_boards(graded_board):
    ids = graded_board.ids
    group = _create(graded_board, "Cohort A", "bob")
    wait_until(lambda: _group_rows(graded_board, group["id"]) == [(1, ids["bob"], 8)])
    members = _groups_url(graded_board) + group["id"] + "/members/"
    added = graded_board.staff.post(members, {"user_ids": [ids["ada"], ids["cy"], ids["bob"]]},
                                    format="json")
    assert added.status_code == 200 and added.json()["member_count"] == 3
    wait_until(lambda: _group_rows(graded_board, group["id"]) == [
        (1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8)])
    ada = graded_board.clients["ada"]
    assert ada.get(graded_board.url + "me/", {"group": group["id"]}).status_code == 200
    removed = graded_board.staff.post(members + "remove/", {"user_ids": [ids["ada"], 424242]},
                                      format="json")
    assert removed.status_code == 200 and removed.json()["member_count"] == 2
    # Refused at once, though this process had just let her read the group's boards.
    assert ada.get(graded_board.url + "me/", {"group": group["id"]}).status_code == 403
    wait_until(lambda: _group_rows(graded_board, group["id"]) == [
        (1, ids["bob"], 8), (2, ids["cy"], 8)])
    # The removed learner's later scores do not reach the group board.
    graded_board.grade("ada", 15)
    wait_until(lambda: graded_board.rows()[0] == (1, ids["ada"], 15))
    assert _group_rows(graded_board, group["id"]) == [(1, ids["bob"], 8), (2, ids["cy"], 8)]
    # A hidden member leaves the group's pages too.
    graded_board.clients["cy"].put("/api/v1/leaderboard/visibility/", {"visibility": "hidden"},
                                   format="json")
    wait_until(lambda: _group_rows(graded_board, group["id"]) == [(1, ids["bob"], 8)])


def test_group_boards_are_rebuilt_nightly_repaired_by_the_drift_check_and_after_a_flush(
        graded_board):
    ids, url = graded_board.ids, graded_board.url
    group = _create(graded_board, "Cohort A", "bob", "dee")
    expected = [(1, ids["bob"], 8), (2, ids["dee"], 5)]
    wait_until(lambda: _group_rows(graded_board, group["id"]) == expected)
    cache = redis.Redis.from_url(settings.REDIS_URL)
    name = f"g:{group['id']}:all"
    # Drift: a wrong score and a learner who is not a member.
    board_key = keys.board_key(graded_board.course, name)
    cache.zadd(board_key, {str(ids["dee"]): composite_encode(cents=9900, reached_at=timezone.now()),
                           str(ids["ada"]): composite_encode(cents=100, reached_at=timezone.now())})
    celery_app.send_task("CHECK_LEADERBOARD_DRIFT")
    wait_until(lambda: _group_rows(graded_board, group["id"]) == expected)
    # The nightly rebuild covers group boards.
    rebuilds = int(cache.hget(keys.stats_key(graded_board.course), f"rebuilds:{name}") or 0)
    celery_app.send_task("REBUILD_ALL_LEADERBOARDS")
    wait_until(lambda: int(cache.hget(keys.stats_key(graded_board.course),
                                      f"rebuilds:{name}") or 0) > rebuilds)
    # A flushed group board is rebuilt by a worker for its next reader.
    cache.delete(board_key)
    first = graded_board.clients["bob"].get(url, {"group": group["id"]})
    assert first.status_code == 200
    wait_until(lambda: _group_rows(graded_board, group["id"]) == expected)
