"""Weekly boards: points gained that week, past weeks by name, expiry after the retention period."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings

from config.exceptions import InvalidInput, NotFound
from leaderboard import keys
from leaderboard.selectors import window_expired_check, window_resolve
from leaderboard.services import (
    leaderboard_user_score_update,
)
from leaderboard.windows import current_week
from tests.leaderboard.conftest import me_of, page_of

pytestmark = pytest.mark.django_db


def _rows(page: dict) -> list[tuple[int, int, float]]:
    return [(r["rank"], r["user_id"], r["score"]) for r in page["results"]]


def test_a_weekly_board_counts_only_points_gained_that_week(course, attempt):
    week = current_week()
    before, inside = week.start - timedelta(days=2), week.start + timedelta(seconds=30)
    attempt(1, "quiz1", 6, before)
    attempt(1, "quiz1", 10, inside)                     # +4 this week
    attempt(1, "homework", 5, inside + timedelta(seconds=5), kind="assignment")  # +5
    attempt(2, "quiz1", 10, before)                     # nothing this week: not on its board
    attempt(3, "quiz2", 4, inside + timedelta(seconds=1))
    attempt(3, "quiz2", 2, inside + timedelta(seconds=2))  # a worse re-attempt adds nothing
    attempt(4, "quiz1", 0, inside)                      # active this week, no gain
    attempt(5, "quiz1", 10, before + timedelta(seconds=1))
    attempt(5, "quiz1", 8, inside + timedelta(seconds=3))  # below their best: no gain
    board = page_of(course_id=course["id"], limit=10, offset=0, window=week)
    assert (board["window"], board["week"], board["count"]) == ("week", week.label, 4)
    assert _rows(board) == [(1, 1, 9), (2, 3, 4), (3, 4, 0), (4, 5, 0)]
    alltime = page_of(course_id=course["id"], limit=10, offset=0)
    assert _rows(alltime) == [(1, 1, 15), (2, 2, 10), (3, 5, 10), (4, 3, 4), (5, 4, 0)]
    last_week = window_resolve(window="week", week=current_week(now=before).label)
    assert _rows(page_of(course_id=course["id"], limit=10, offset=0, window=last_week)) == [
        (1, 2, 10), (2, 5, 10), (3, 1, 6)]


def test_weekly_boards_expire_after_the_retention_period(course, attempt, settings):
    week = current_week()
    attempt(1, "quiz1", 3, week.start + timedelta(seconds=1))
    page_of(course_id=course["id"], limit=10, offset=0, window=week)
    cache = redis.Redis.from_url(django_settings.REDIS_URL)
    key = keys.board_key(course["id"], week.name)
    expires = week.end + timedelta(weeks=settings.LEADERBOARD_WEEKLY_RETENTION_WEEKS)
    assert abs(cache.ttl(key) - (expires.timestamp() - time.time())) < 5
    page_of(course_id=course["id"], limit=10, offset=0)
    assert cache.ttl(keys.board_key(course["id"])) == -1  # the all-time board never expires
    # Updates keep the expiry (ZADD alone would leave it, EXPIREAT is set again anyway).
    attempt(1, "quiz1", 7, week.start + timedelta(seconds=2))
    leaderboard_user_score_update(course_id=course["id"], user_id=1)
    assert me_of(course_id=course["id"], user_id=1, around=0, window=week)["score"] == 7
    assert abs(cache.ttl(key) - (expires.timestamp() - time.time())) < 5
    # A week past the retention period is gone; a week not yet started does not exist.
    old = current_week(now=week.start - timedelta(weeks=settings.LEADERBOARD_WEEKLY_RETENTION_WEEKS + 1))
    with pytest.raises(NotFound, match="retention"):
        window_expired_check(window=window_resolve(window="week", week=old.label))
    upcoming = current_week(now=week.end + timedelta(days=1))
    with pytest.raises(InvalidInput, match="not started"):
        window_resolve(window="week", week=upcoming.label)


def test_the_week_may_start_on_sunday(course, attempt, settings):
    settings.LEADERBOARD_WEEK_START = 6
    week = current_week()
    assert week.start.weekday() == 6 and week.start.hour == 0
    attempt(1, "quiz1", 3, week.start + timedelta(seconds=1))
    attempt(2, "quiz1", 3, week.start - timedelta(seconds=1))  # Saturday: last week
    board = page_of(course_id=course["id"], limit=10, offset=0, window=week)
    assert _rows(board) == [(1, 1, 3)]
