"""Friends rankings (?users=ID,…): the caller ranked among the learners they name, over HTTP."""
from __future__ import annotations

import pytest
import redis
from django.conf import settings

from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _users(*ids: int) -> str:
    return ",".join(map(str, ids))


def test_a_learner_is_ranked_among_the_learners_they_name(graded_board):
    ids, url, dee = graded_board.ids, graded_board.url, graded_board.clients["dee"]
    page = dee.get(url, {"users": _users(ids["bob"], ids["ada"])}).json()
    assert page["count"] == 3 and page["rebuilding"] is False
    assert [(r["rank"], r["user_id"], r["score"]) for r in page["results"]] == [
        (1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["dee"], 5)]
    me = dee.get(url + "me/", {"users": _users(ids["cy"]), "around": 1}).json()
    assert (me["rank"], me["score"], me["count"], me["percentile"]) == (2, 5, 2, 50.0)
    assert [e["user_id"] for e in me["around"]] == [ids["cy"], ids["dee"]]
    # Ranking modes apply within the set: Bob and Cy tie at 8.
    graded_board.staff.put(url + "config/", {"ranking": "competition"}, format="json")
    me = dee.get(url + "me/", {"users": _users(ids["bob"], ids["cy"])}).json()
    assert me["rank"] == 3
    page = dee.get(url, {"users": _users(ids["bob"], ids["cy"])}).json()
    assert [r["rank"] for r in page["results"]] == [1, 1, 3]
    graded_board.staff.put(url + "config/", {"ranking": "dense"}, format="json")
    assert dee.get(url + "me/", {"users": _users(ids["bob"], ids["cy"])}).json()["rank"] == 2
    # Weekly boards too.
    week = wait_until(lambda: (body := dee.get(url, {"users": _users(ids["ada"]),
                                                     "window": "week"}).json())["count"] == 2
                      and body)
    assert (week["window"], [r["user_id"] for r in week["results"]]) == (
        "week", [ids["ada"], ids["dee"]])


def test_a_friends_ranking_is_one_redis_round_trip_whatever_its_size(graded_board):
    """ZMSCORE of every named learner in one pipelined call: the command count does not grow."""
    ids, url, dee = graded_board.ids, graded_board.url, graded_board.clients["dee"]
    cache = redis.Redis.from_url(settings.REDIS_URL)

    def zmscore_calls() -> int:
        return int(cache.info("commandstats").get("cmdstat_zmscore", {}).get("calls", 0))

    before = zmscore_calls()
    assert dee.get(url, {"users": _users(ids["ada"], ids["bob"], ids["cy"])}).status_code == 200
    assert zmscore_calls() == before + 1


def test_hidden_friends_are_left_out_and_a_hidden_caller_still_gets_their_rank(graded_board):
    ids, url = graded_board.ids, graded_board.url
    bob = graded_board.clients["bob"]
    bob.put("/api/v1/leaderboard/visibility/", {"visibility": "hidden"}, format="json")
    wait_until(lambda: graded_board.rows()[1][1] == ids["cy"])
    page = graded_board.clients["dee"].get(url, {"users": _users(ids["bob"], ids["cy"])}).json()
    assert [(r["rank"], r["user_id"]) for r in page["results"]] == [(1, ids["cy"]), (2, ids["dee"])]
    me = bob.get(url + "me/", {"users": _users(ids["cy"], ids["dee"])}).json()
    assert (me["rank"], me["hidden"], me["count"]) == (1, True, 2)
    assert [e["user_id"] for e in me["around"]] == [ids["cy"], ids["dee"]]
    page = bob.get(url, {"users": _users(ids["cy"], ids["dee"])}).json()
    assert ids["bob"] not in [r["user_id"] for r in page["results"]]


def test_friends_must_be_enrolled_and_at_most_500(graded_board, make_user):
    url, ada = graded_board.url, graded_board.clients["ada"]
    outsider = make_user("outsider")
    response = ada.get(url, {"users": _users(graded_board.ids["bob"], outsider.pk)})
    assert response.status_code == 400 and response.json()["code"] == "users_not_enrolled"
    assert str(outsider.pk) in response.json()["detail"]
    response = ada.get(url + "me/", {"users": _users(*range(1000, 1501))})
    assert response.status_code == 400 and response.json()["code"] == "too_many_users"
    for bad in ("", "1,,2", "a,b", "-1", "1.5"):
        response = ada.get(url, {"users": bad})
        assert response.status_code == 400, bad
