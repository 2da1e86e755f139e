"""Friends rankings (?users=ID,…): the caller ranked among the learners they name, over HTTP."""
from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
import redis
import redis.connection
from django.conf import settings

from leaderboard import keys
from leaderboard.scoring import EPOCH, TIME_BITS, composite_encode
from leaderboard.selectors import leaderboard_users_me, leaderboard_users_page
from tests.api.conftest import token_client
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


def test_a_friends_ranking_is_one_redis_round_trip_whatever_its_size(graded_board, make_user,
                                                                      monkeypatch):
    """One script call ranks every named learner and returns the slice shown: the round trips
    of a request do not grow with the number of learners named."""
    ids, url, dee = graded_board.ids, graded_board.url, graded_board.clients["dee"]
    for i in range(40):
        user = make_user(f"friend{i}")
        graded_board.clients[f"friend{i}"] = token_client(user)
        assert graded_board.clients[f"friend{i}"].post(
            f"/api/v1/courses/{graded_board.course}/enroll/").status_code == 201
        ids[f"friend{i}"] = user.pk
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        if threading.current_thread() is threading.main_thread():
            sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted)
    few, many = _users(ids["ada"], ids["bob"]), _users(*ids.values())
    trips = []
    for query in ({"users": few}, {"users": many}, {"users": few, "around": 5},
                  {"users": many, "around": 5}):
        for path in (url, url + "me/"):
            assert dee.get(path, query).status_code == 200  # warms the access caches
            sent.clear()
            assert dee.get(path, query).status_code == 200
            trips.append(len(sent))
    assert trips == [1] * 8, trips


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


def test_anonymous_friends_are_left_out_since_the_caller_named_them(graded_board):
    ids, url = graded_board.ids, graded_board.url
    bob = graded_board.clients["bob"]
    bob.put("/api/v1/leaderboard/visibility/", {"visibility": "anonymous"}, format="json")
    wait_until(lambda: graded_board.rows(graded_board.clients["dee"])[1][1] is None)
    # Dee named Bob: an "Anonymous learner" in a set of two would be Bob, with his score.
    dee = graded_board.clients["dee"]
    page = dee.get(url, {"users": _users(ids["bob"])}).json()
    assert [(r["rank"], r["user_id"]) for r in page["results"]] == [(1, ids["dee"])]
    assert page["count"] == 1
    me = dee.get(url + "me/", {"users": _users(ids["bob"], ids["cy"]), "around": 5}).json()
    assert (me["rank"], me["count"]) == (2, 2)
    assert [e["user_id"] for e in me["around"]] == [ids["cy"], ids["dee"]]
    assert not any(e["anonymous"] for e in me["around"])
    # Bob still sees himself among his friends, and staff see him (with his id) as before.
    mine = bob.get(url + "me/", {"users": _users(ids["dee"])}).json()
    assert (mine["rank"], mine["score"], mine["count"]) == (1, 8, 2)
    staff_page = graded_board.staff.get(url, {"users": _users(ids["bob"], ids["dee"])}).json()
    assert ids["bob"] in [r["user_id"] for r in staff_page["results"]]


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



def test_a_learner_who_left_cannot_be_named(graded_board):
    """Leaving the course takes a learner off friends lists at once, even a list this process
    already checked and keeps as all enrolled."""
    ids, url, ada = graded_board.ids, graded_board.url, graded_board.clients["ada"]
    named = {"users": _users(ids["bob"], ids["cy"])}
    assert ada.get(url, named).status_code == 200
    assert ada.get(url, named).status_code == 200  # the list is kept as checked
    course = graded_board.course
    assert graded_board.clients["cy"].delete(f"/api/v1/courses/{course}/enroll/").status_code == 204
    response = ada.get(url, named)
    assert response.status_code == 400 and response.json()["code"] == "users_not_enrolled"
    assert response.json()["detail"].endswith(str(ids["cy"]))
    # Not from a list this process kept either: a list never sent before names Cy as well.
    response = ada.get(url + "me/", {"users": _users(ids["cy"], ids["dee"])})
    assert response.status_code == 400 and response.json()["code"] == "users_not_enrolled"


def _reference(board: dict[int, int], hidden: dict[int, int], named: list[int], caller: int,
               mode: str) -> tuple[list[tuple[int, int]], tuple[int, int | None] | None]:
    """Ranks among the named learners, by definition: the board's order (higher score, then
    member string descending), then distinct / competition / dense numbers; and the caller's
    (index, rank), a hidden caller's being where their score would stand."""
    members = list(dict.fromkeys([*named, caller]))
    scored = sorted(((board[u], u) for u in members if u in board),
                    key=lambda pair: (pair[0], str(pair[1])), reverse=True)
    cents = [score >> TIME_BITS for score, _ in scored]

    def rank(index: int, value: int) -> int:
        higher = [c for c in cents if c > value]
        return {"distinct": index + 1, "competition": len(higher) + 1,
                "dense": len(set(higher)) + 1}[mode]

    entries = [(rank(i, cents[i]), user) for i, (_, user) in enumerate(scored)]
    if caller in hidden:
        index = sum(1 for score, _ in scored if score > hidden[caller])
        return entries, (index, rank(index, hidden[caller] >> TIME_BITS))
    position = next((i for i, (_, user) in enumerate(scored) if user == caller), None)
    return entries, None if position is None else (position, entries[position][0])


def test_friends_rankings_agree_with_their_definition_on_random_boards():
    rng = random.Random(7)
    client = redis.Redis.from_url(settings.REDIS_URL)
    course = "6650f0c2a1b2c3d4e5f60719"
    for case in range(150):
        mode = rng.choice(["distinct", "competition", "dense"])
        client.delete(*keys.board_keys(course, "all"), keys.config_key(course),
                      keys.empty_marker_key(course, "all"))
        client.hset(keys.config_key(course), "ranking", mode)
        # Few point values and few seconds: ties of points and of whole scores are common.
        board = {u: composite_encode(cents=rng.choice([0, 500, 800, 1000]),
                                     reached_at=EPOCH + timedelta(seconds=rng.randint(0, 2)))
                 for u in rng.sample(range(1, 400), rng.randint(1, 60))}
        hidden = {}
        caller = rng.choice([*board, 999])
        if caller in board and rng.random() < 0.3:
            hidden[caller] = board.pop(caller)
            client.zadd(keys.hidden_key(course, "all"), {str(caller): hidden[caller]})
        if board:
            client.zadd(keys.board_key(course, "all"), {str(u): s for u, s in board.items()})
        else:
            client.set(keys.empty_marker_key(course, "all"), 1)
        named = rng.sample([*board, *range(400, 410)], min(len(board) + 10, rng.randint(0, 80)))
        entries, me = _reference(board, hidden, named, caller, mode)
        chosen = list(dict.fromkeys([*named, caller]))
        offset, limit = rng.randint(0, 10), rng.randint(1, 20)
        page = leaderboard_users_page(course_id=course, user_ids=chosen, caller_id=caller,
                                      limit=limit, offset=offset)
        assert page["count"] == len(entries), case
        assert [(r["rank"], r["user_id"]) for r in page["results"]] == \
            entries[offset:offset + limit], case
        around = rng.randint(0, 4)
        answer = leaderboard_users_me(course_id=course, user_ids=chosen, caller_id=caller,
                                      around=around)
        if me is None:
            assert answer["rank"] is None, case
            continue
        index, rank = me
        stop = index + around + (0 if caller in hidden else 1)
        assert (answer["rank"], answer["hidden"]) == (rank, caller in hidden), case
        assert [(e["rank"], e["user_id"]) for e in answer["around"]] == \
            entries[max(index - around, 0):stop], case
