"""Scores from MongoDB, earliest-first ties, rank modes, around-me and pagination."""
from __future__ import annotations

from datetime import timedelta

import pytest

from leaderboard.services import (
    leaderboard_board_rebuild,
    leaderboard_config_set,
    leaderboard_user_score_update,
)
from learning.services import profile_upsert
from learning.services.erasure import profile_delete
from tests.leaderboard.conftest import days_ago, me_of, page_of

pytestmark = pytest.mark.django_db


def _board(course_id: str, **kwargs) -> list[tuple[int, int, float]]:
    page = page_of(course_id=course_id, limit=100, offset=0, **kwargs)
    return [(r["rank"], r["user_id"], r["score"]) for r in page["results"]]


def test_score_is_the_sum_of_best_marks_per_item_and_reattempts_never_inflate_it(course, attempt):
    t = days_ago(30)
    attempt(1, "quiz1", 4, t)
    attempt(1, "quiz1", 9.5, t + timedelta(minutes=1))
    attempt(1, "quiz1", 7, t + timedelta(minutes=2))  # worse re-attempt: ignored
    attempt(1, "quiz1", 9.5, t + timedelta(minutes=3))  # equal re-attempt: counted once
    attempt(1, "homework", 12.25, t + timedelta(minutes=4), kind="assignment")
    attempt(1, "video", None, t + timedelta(minutes=5), kind="video")  # no marks, no points
    leaderboard_board_rebuild(course_id=course["id"])
    assert _board(course["id"]) == [(1, 1, 21.75)]
    me = me_of(course_id=course["id"], user_id=1, around=0)
    assert (me["rank"], me["score"], me["count"]) == (1, 21.75, 1)
    # Reached when the last raising attempt (the homework) came in.
    assert me["reached_at"] == (t + timedelta(minutes=4)).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def test_equal_scores_list_whoever_reached_them_first(course, attempt):
    t = days_ago(20)
    attempt(1, "quiz1", 10, t + timedelta(hours=3))   # user 1 reaches 10 last
    attempt(2, "quiz1", 10, t + timedelta(hours=1))   # user 2 reaches 10 first
    attempt(3, "quiz1", 5, t)
    attempt(3, "quiz2", 4, t + timedelta(hours=2))    # user 3 reaches 9 ...
    attempt(3, "quiz2", 1, t + timedelta(hours=2, minutes=1))
    attempt(3, "quiz1", 6, t + timedelta(hours=2, minutes=30))  # ... then 10, second
    attempt(2, "quiz1", 10, t + timedelta(hours=5))   # repeating a score does not move the time
    leaderboard_board_rebuild(course_id=course["id"])
    assert _board(course["id"]) == [(1, 2, 10), (2, 3, 10), (3, 1, 10)]
    # The per-learner update path agrees with the whole-board rebuild.
    for user_id in (1, 2, 3):
        leaderboard_user_score_update(course_id=course["id"], user_id=user_id)
    assert _board(course["id"]) == [(1, 2, 10), (2, 3, 10), (3, 1, 10)]


def _tied_course(course, attempt) -> None:
    """Users 1..6: points 10, 10, 9, 9, 9, 4, reached in user-id order."""
    t = days_ago(10)
    for user_id, marks in enumerate([10, 10, 9, 9, 9, 4], start=1):
        attempt(user_id, "quiz1", marks, t + timedelta(minutes=user_id))
    leaderboard_board_rebuild(course_id=course["id"])


def test_ranks_are_distinct_by_default(course, attempt):
    _tied_course(course, attempt)
    assert _board(course["id"]) == [(1, 1, 10), (2, 2, 10), (3, 3, 9), (4, 4, 9), (5, 5, 9), (6, 6, 4)]
    assert page_of(course_id=course["id"], limit=1, offset=0)["ranking"] == "distinct"


def test_competition_ranks_share_numbers_and_the_page_agrees_with_me(course, attempt, settings):
    _tied_course(course, attempt)
    leaderboard_config_set(course_id=course["id"], ranking="competition", updated_by=1)
    assert _board(course["id"]) == [(1, 1, 10), (1, 2, 10), (3, 3, 9), (3, 4, 9), (3, 5, 9), (6, 6, 4)]
    # A page starting inside a tie still shows the tie's shared rank.
    page = page_of(course_id=course["id"], limit=2, offset=3)
    assert [(r["rank"], r["user_id"]) for r in page["results"]] == [(3, 4), (3, 5)]
    assert page["ranking"] == "competition"
    for user_id, rank in [(1, 1), (2, 1), (4, 3), (5, 3), (6, 6)]:
        me = me_of(course_id=course["id"], user_id=user_id, around=1)
        assert me["rank"] == rank
        assert {e["user_id"]: e["rank"] for e in me["around"]}[user_id] == rank
    me = me_of(course_id=course["id"], user_id=5, around=1)
    assert [(e["rank"], e["user_id"]) for e in me["around"]] == [(3, 4), (3, 5), (6, 6)]
    # Clearing the override falls back to the global setting.
    leaderboard_config_set(course_id=course["id"], ranking=None, updated_by=1)
    assert me_of(course_id=course["id"], user_id=5, around=0)["rank"] == 5
    settings.LEADERBOARD_RANKING = "competition"
    assert me_of(course_id=course["id"], user_id=5, around=0)["rank"] == 3


def test_around_me_stops_at_the_top_and_bottom_of_the_board(course, attempt):
    t = days_ago(5)
    for user_id in range(1, 8):
        attempt(user_id, "homework", 20 - user_id, t, kind="assignment")
    leaderboard_board_rebuild(course_id=course["id"])
    top = me_of(course_id=course["id"], user_id=1, around=2)
    assert [e["user_id"] for e in top["around"]] == [1, 2, 3]
    assert (top["rank"], top["percentile"], top["count"]) == (1, 100.0, 7)
    bottom = me_of(course_id=course["id"], user_id=7, around=2)
    assert [e["user_id"] for e in bottom["around"]] == [5, 6, 7]
    assert [e["rank"] for e in bottom["around"]] == [5, 6, 7]
    assert (bottom["rank"], bottom["percentile"]) == (7, 14.3)
    middle = me_of(course_id=course["id"], user_id=4, around=1)
    assert [e["user_id"] for e in middle["around"]] == [3, 4, 5]
    alone = me_of(course_id=course["id"], user_id=4, around=0)
    assert [e["user_id"] for e in alone["around"]] == [4]
    stranger = me_of(course_id=course["id"], user_id=99, around=2)
    assert (stranger["rank"], stranger["score"], stranger["count"], stranger["around"]) == (None, None, 7, [])


def test_pages_follow_limit_and_offset_with_profiles_hydrated(course, attempt):
    t = days_ago(5)
    for user_id in range(1, 8):
        attempt(user_id, "homework", 20 - user_id, t, kind="assignment")
        if user_id != 3:
            profile_upsert(user_id=user_id, display_name=f"Learner {user_id}",
                           avatar_url=f"https://img.example/{user_id}.png")
    leaderboard_board_rebuild(course_id=course["id"])
    page = page_of(course_id=course["id"], limit=3, offset=2)
    assert page["count"] == 7
    assert [(r["rank"], r["user_id"], r["score"]) for r in page["results"]] == [
        (3, 3, 17), (4, 4, 16), (5, 5, 15)]
    # A learner without a profile shows with null name and avatar; the page still renders.
    assert (page["results"][0]["display_name"], page["results"][0]["avatar_url"]) == (None, None)
    assert page["results"][1]["display_name"] == "Learner 4"
    assert page["results"][1]["avatar_url"] == "https://img.example/4.png"
    assert page_of(course_id=course["id"], limit=5, offset=6)["results"][0]["user_id"] == 7
    assert page_of(course_id=course["id"], limit=5, offset=7)["results"] == []


def test_a_renamed_or_erased_profile_shows_at_once_despite_the_process_profile_cache(course, attempt):
    t = days_ago(1)
    for user_id in (1, 2):
        attempt(user_id, "homework", 10 + user_id, t, kind="assignment")
        profile_upsert(user_id=user_id, display_name=f"Learner {user_id}")
    names = lambda: [r["display_name"] for r in page_of(course_id=course["id"], limit=5, offset=0)["results"]]  # noqa: E731
    assert names() == ["Learner 2", "Learner 1"]  # now kept by this process
    profile_upsert(user_id=1, display_name="Ada")
    profile_delete(user_id=2)
    assert names() == [None, "Ada"]
