"""Dense ranks, learners' visibility (public, anonymous, hidden) and staff hides, over HTTP with
a real worker."""
from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from leaderboard import keys
from leaderboard.documents import LeaderboardVisibility
from tests.conftest import wait_until
from tests.leaderboard.conftest import course_create

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def test_dense_ranks_number_distinct_scores_on_pages_and_me(graded_board):
    ids, url = graded_board.ids, graded_board.url
    response = graded_board.staff.put(url + "config/", {"ranking": "dense"}, format="json")
    assert response.status_code == 200 and response.json()["ranking"] == "dense"
    assert graded_board.rows() == [(1, ids["ada"], 10), (2, ids["bob"], 8), (2, ids["cy"], 8),
                            (3, ids["dee"], 5)]
    # A page that starts inside the tie.
    assert graded_board.rows(offset=2, limit=2) == [(2, ids["cy"], 8), (3, ids["dee"], 5)]
    me = graded_board.clients["dee"].get(url + "me/", {"around": 1}).json()
    assert (me["rank"], me["ranking"], me["percentile"]) == (3, "dense", 25.0)
    assert [(e["rank"], e["user_id"]) for e in me["around"]] == [(2, ids["cy"]), (3, ids["dee"])]
    # The update path keeps the distinct values in step: Cy reaches 10, Dee 8.
    graded_board.grade("cy", 10)
    graded_board.grade("dee", 8)
    graded_board.becomes([(1, ids["ada"], 10), (1, ids["cy"], 10), (2, ids["bob"], 8),
                   (2, ids["dee"], 8)])
    assert graded_board.clients["dee"].get(url + "me/").json()["rank"] == 2


def test_the_drift_check_rebuilds_a_board_whose_dense_counts_went_wrong(graded_board):
    cache = redis.Redis.from_url(settings.REDIS_URL)
    rebuilds = int(cache.hget(keys.stats_key(graded_board.course), "rebuilds:all") or 0)
    cache.hset(keys.level_counts_key(graded_board.course), "800", 7)  # two learners have 8 points
    celery_app.send_task("CHECK_LEADERBOARD_DRIFT")
    wait_until(lambda: int(cache.hget(keys.stats_key(graded_board.course), "rebuilds:all") or 0)
               > rebuilds)
    wait_until(lambda: cache.hget(keys.level_counts_key(graded_board.course), "800") == b"2")


def test_a_hidden_learner_leaves_every_page_but_is_told_their_own_rank(graded_board):
    ids, url, bob = graded_board.ids, graded_board.url, graded_board.clients["bob"]
    response = bob.put("/api/v1/leaderboard/visibility/", {"visibility": "hidden"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"user_id": ids["bob"], "visibility": "hidden",
                               "hidden_by_staff": False}
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["cy"], 8), (3, ids["dee"], 5)])
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["cy"], 8), (3, ids["dee"], 5)], window="week")
    me = bob.get(url + "me/", {"around": 1}).json()
    assert (me["rank"], me["score"], me["hidden"], me["count"]) == (2, 8, True, 3)
    assert [e["user_id"] for e in me["around"]] == [ids["ada"], ids["cy"]]
    assert graded_board.clients["cy"].get(url + "me/").json()["rank"] == 2
    # A rebuild from MongoDB keeps them off the pages too.
    assert graded_board.staff.post(url + "rebuild/").status_code == 202
    cache = redis.Redis.from_url(settings.REDIS_URL)
    wait_until(lambda: cache.hget(keys.stats_key(graded_board.course), "rebuilds:all"))
    assert graded_board.rows() == [(1, ids["ada"], 10), (2, ids["cy"], 8), (3, ids["dee"], 5)]
    assert bob.get(url + "me/").json()["rank"] == 2
    # Back to public: listed again.
    bob.put("/api/v1/leaderboard/visibility/", {"visibility": "public"}, format="json")
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8), (4, ids["dee"], 5)])


def test_an_anonymous_learner_shows_without_name_or_id_but_to_themselves_and_staff(graded_board):
    ids, url, ada = graded_board.ids, graded_board.url, graded_board.clients["ada"]
    assert ada.put("/api/v1/leaderboard/visibility/", {"visibility": "anonymous"},
                   format="json").status_code == 200

    def top(client):
        return client.get(url, {"limit": 1}).json()["results"][0]

    wait_until(lambda: top(graded_board.clients["bob"])["anonymous"])
    seen = top(graded_board.clients["bob"])
    assert (seen["rank"], seen["user_id"], seen["display_name"], seen["avatar_url"]) == (
        1, None, "Anonymous learner", None)
    assert top(ada)["user_id"] == ids["ada"]
    assert top(graded_board.staff)["user_id"] == ids["ada"]
    me = graded_board.clients["bob"].get(url + "me/", {"around": 1}).json()
    assert me["around"][0]["user_id"] is None and me["rank"] == 2
    assert ada.get("/api/v1/leaderboard/visibility/").json()["visibility"] == "anonymous"
    # A rebuild from MongoDB keeps the flag (it rewrites the board's anonymous set).
    cache = redis.Redis.from_url(settings.REDIS_URL)
    rebuilds = int(cache.hget(keys.stats_key(graded_board.course), "rebuilds:all") or 0)
    assert graded_board.staff.post(url + "rebuild/").status_code == 202
    wait_until(lambda: int(cache.hget(keys.stats_key(graded_board.course), "rebuilds:all") or 0)
               > rebuilds)
    assert top(graded_board.clients["bob"])["display_name"] == "Anonymous learner"
    # Friends rankings leave them out: Bob named Ada, so an anonymous entry would be her
    # (tests/leaderboard/test_friends.py); staff see her there with her id, flagged.
    friends = graded_board.clients["bob"].get(url, {"users": str(ids["ada"])}).json()
    assert [r["user_id"] for r in friends["results"]] == [ids["bob"]]
    friends = graded_board.staff.get(url, {"users": str(ids["ada"])}).json()
    assert [(r["user_id"], r["anonymous"]) for r in friends["results"]] == [(ids["ada"], True)]


def test_staff_hide_a_learner_from_every_board_at_once_with_a_reason(graded_board):
    ids, staff, cy = graded_board.ids, graded_board.staff, graded_board.clients["cy"]
    other, homework = course_create(staff, "privacy-2")
    assert cy.post(f"/api/v1/courses/{other}/enroll/").status_code == 201
    assert staff.post(f"/api/v1/courses/{other}/attempts/", {
        "content_id": homework, "user_id": ids["cy"], "marks": 3}, format="json").status_code == 202
    other_url = f"/api/v1/courses/{other}/leaderboard/"
    wait_until(lambda: staff.get(other_url).json()["count"] == 1)

    hide_url = f"/api/v1/leaderboard/hidden-learners/{ids['cy']}/"
    assert cy.put(hide_url, {"reason": "x"}, format="json").status_code == 403
    assert staff.put(hide_url, {}, format="json").status_code == 400
    assert staff.put(hide_url, {"reason": 42}, format="json").status_code == 400  # not converted
    assert staff.put("/api/v1/leaderboard/hidden-learners/abc/", {"reason": "x"},
                     format="json").status_code == 400
    missing = staff.put("/api/v1/leaderboard/hidden-learners/999999/", {"reason": "x"},
                        format="json")
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_user"
    response = staff.put(hide_url, {"reason": "Shared quiz answers."}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["hidden_by_staff"], response.json()["reason"]) == (
        True, "Shared quiz answers.")

    graded_board.becomes([(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["dee"], 5)])
    wait_until(lambda: staff.get(other_url).json()["count"] == 0)
    listed = staff.get("/api/v1/leaderboard/hidden-learners/").json()
    assert [(h["user_id"], h["reason"]) for h in listed] == [(ids["cy"], "Shared quiz answers.")]
    assert cy.get("/api/v1/leaderboard/visibility/").json()["hidden_by_staff"] is True
    # The learner's own "public" does not undo a staff hide.
    cy.put("/api/v1/leaderboard/visibility/", {"visibility": "public"}, format="json")
    me = cy.get(graded_board.url + "me/").json()
    assert (me["rank"], me["hidden"]) == (3, True)  # behind Ada and Bob (8 points, earlier)

    assert staff.delete(hide_url).status_code == 200
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8), (4, ids["dee"], 5)])
    assert staff.get("/api/v1/leaderboard/hidden-learners/").json() == []


def test_an_erased_user_cannot_be_hidden_anew(graded_board):
    staff, dee = graded_board.staff, graded_board.ids["dee"]
    assert staff.delete(f"/api/v1/users/{dee}/").status_code in (200, 202, 204)
    erased = staff.put(f"/api/v1/leaderboard/hidden-learners/{dee}/", {"reason": "again"},
                       format="json")
    assert erased.status_code == 404 and erased.json()["code"] == "unknown_user"
    assert staff.get("/api/v1/leaderboard/hidden-learners/").json() == []


def test_a_visibility_change_cut_short_is_finished_by_the_sweep(graded_board):
    ids = graded_board.ids
    # As if the request died after storing the change, before queueing the board updates.
    LeaderboardVisibility(user_id=ids["dee"], visibility="hidden", followup_pending=True,
                          updated_at=timezone.now() - timedelta(minutes=5)).save()
    assert graded_board.rows()[-1][1] == ids["dee"]
    celery_app.send_task("SWEEP_PENDING_WORK")
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8)])
    assert LeaderboardVisibility.objects.get(user_id=ids["dee"]).followup_pending is None


@pytest.mark.parametrize("body", [{}, {"visibility": "secret"}, {"visibility": None}])
def test_a_bad_visibility_gets_a_400(graded_board, body):
    response = graded_board.clients["ada"].put("/api/v1/leaderboard/visibility/", body, format="json")
    assert response.status_code == 400 and response.json()["code"]
