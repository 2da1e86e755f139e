"""The leaderboard HTTP API: shapes, 400s for bad parameters, who may see what."""
from __future__ import annotations

from datetime import timedelta

import pytest

from leaderboard.services import leaderboard_board_rebuild
from leaderboard.windows import current_week
from tests.leaderboard.conftest import days_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(course, attempt, make_user, client_for):
    """Three learners with points 10, 8 and 5 and an API client for each."""
    users = [make_user(name) for name in ("ada", "bob", "cy")]
    t = days_ago(3)
    for user, marks in zip(users, (10, 8, 5), strict=True):
        attempt(user.pk, "quiz1", marks, t)
    leaderboard_board_rebuild(course_id=course["id"])
    return {"course": course["id"], "users": users, "clients": [client_for(u) for u in users]}


def test_the_page_and_me_keep_the_documented_shapes(board):
    ada, bob, _ = board["clients"]
    url = f"/api/v1/courses/{board['course']}/leaderboard/"
    page = ada.get(url, {"limit": 2}).json()
    assert {"course_id", "count", "results"} <= page.keys()
    assert page["count"] == 3
    assert [(r["rank"], r["score"], r["display_name"]) for r in page["results"]] == [
        (1, 10, "Ada"), (2, 8, "Bob")]
    assert {"rank", "user_id", "score", "display_name", "avatar_url"} <= page["results"][0].keys()
    me = bob.get(url + "me/", {"around": 1}).json()
    assert {"rank", "score", "count", "around"} <= me.keys()
    assert (me["rank"], me["score"], me["count"], me["percentile"]) == (2, 8, 3, 66.7)
    assert [e["display_name"] for e in me["around"]] == ["Ada", "Bob", "Cy"]


@pytest.mark.parametrize("params", [
    {"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"offset": -1}, {"offset": "1.5"},
    {"window": "year"}, {"week": "2026-48"}, {"week": "2026-W60"}, {"window": "all", "week": "2026-W01"},
])
def test_bad_page_parameters_get_a_400_with_a_message(board, params):
    response = board["clients"][0].get(f"/api/v1/courses/{board['course']}/leaderboard/", params)
    assert response.status_code == 400, response.content
    assert response.json()  # says what is wrong


@pytest.mark.parametrize("params", [{"around": -1}, {"around": 51}, {"around": "x"}, {"window": "hour"}])
def test_bad_me_parameters_get_a_400(board, params):
    response = board["clients"][0].get(f"/api/v1/courses/{board['course']}/leaderboard/me/", params)
    assert response.status_code == 400, response.content


def test_weeks_not_started_are_400_and_weeks_past_retention_are_404(board, settings):
    client, url = board["clients"][0], f"/api/v1/courses/{board['course']}/leaderboard/"
    week = current_week()
    upcoming = current_week(now=week.end + timedelta(days=1)).label
    response = client.get(url, {"window": "week", "week": upcoming})
    assert response.status_code == 400 and "not started" in response.json()["detail"]
    old = current_week(now=week.start - timedelta(weeks=settings.LEADERBOARD_WEEKLY_RETENTION_WEEKS + 1))
    response = client.get(url, {"window": "week", "week": old.label})
    assert response.status_code == 404 and response.json()["code"] == "week_expired"
    this_week = client.get(url, {"window": "week"}).json()
    assert (this_week["window"], this_week["week"]) == ("week", week.label)


def test_staff_see_any_learners_rank_and_learners_only_their_own(board, staff_client):
    ada, bob, _ = board["clients"]
    bob_id = board["users"][1].pk
    url = f"/api/v1/courses/{board['course']}/leaderboard/users/{bob_id}/"
    assert staff_client.get(url).json()["rank"] == 2
    assert bob.get(url).json()["rank"] == 2
    denied = ada.get(url)
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    bad = staff_client.get(f"/api/v1/courses/{board['course']}/leaderboard/users/bob/")
    assert bad.status_code == 400


def test_staff_switch_a_course_to_competition_ranks(board, staff_client, attempt):
    attempt(board["users"][2].pk, "homework", 3, days_ago(1), kind="assignment")  # Cy ties Bob at 8
    leaderboard_board_rebuild(course_id=board["course"])
    url = f"/api/v1/courses/{board['course']}/leaderboard/"
    learner = board["clients"][0]
    assert learner.put(url + "config/", {"ranking": "competition"}, format="json").status_code == 403
    assert staff_client.put(url + "config/", {"ranking": "ordinal"}, format="json").status_code == 400
    response = staff_client.put(url + "config/", {"ranking": "competition"}, format="json")
    assert response.status_code == 200 and response.json()["ranking"] == "competition"
    assert learner.get(url + "config/").json() == {
        "course_id": board["course"], "ranking": "competition", "ranking_override": "competition"}
    assert [r["rank"] for r in learner.get(url).json()["results"]] == [1, 2, 2]
    assert board["clients"][2].get(url + "me/").json()["rank"] == 2


def test_the_rebuild_endpoint_answers_202_with_a_task_id(board, staff_client):
    url = f"/api/v1/courses/{board['course']}/leaderboard/rebuild/"
    assert board["clients"][0].post(url).status_code == 403
    response = staff_client.post(url)
    assert response.status_code == 202
    assert len(response.json()["task_id"]) == 36
