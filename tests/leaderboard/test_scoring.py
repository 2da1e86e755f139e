"""Pure scoring: the composite score, week windows and rank numbers."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leaderboard.scoring import (
    COMPETITION,
    DENSE,
    DISTINCT,
    EPOCH,
    MAX_CENTS,
    cents_from_points,
    composite_decode,
    composite_encode,
    composite_floor,
    percentile,
    points_from_cents,
    slice_ranks,
    week_containing,
    week_parse,
    window_expire_at,
)

MONDAY = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_composite_round_trips_points_and_the_second_they_were_reached():
    reached = datetime(2026, 11, 24, 13, 5, 7, tzinfo=UTC)
    score = composite_encode(cents=12345, reached_at=reached)
    assert composite_decode(score) == (12345, reached)
    assert composite_decode(float(score)) == (12345, reached)  # as Redis hands it back
    assert composite_decode(str(score).encode()) == (12345, reached)


def test_more_points_always_sort_above_fewer_whatever_the_time():
    early = composite_encode(cents=100, reached_at=EPOCH)
    late = composite_encode(cents=101, reached_at=datetime(2090, 1, 1, tzinfo=UTC))
    assert late > early


def test_equal_points_reached_earlier_sort_higher():
    first = composite_encode(cents=500, reached_at=MONDAY)
    second = composite_encode(cents=500, reached_at=MONDAY + timedelta(seconds=1))
    assert first > second
    assert composite_floor(500) <= second < first < composite_floor(501)


def test_the_largest_score_stays_exact_within_2_to_the_53():
    top = composite_encode(cents=MAX_CENTS, reached_at=EPOCH)
    assert top == 2**53 - 1
    assert float(top) == top  # a double holds it exactly
    assert composite_decode(float(top)) == (MAX_CENTS, EPOCH)
    with pytest.raises(ValueError):
        composite_encode(cents=MAX_CENTS + 1, reached_at=EPOCH)


def test_points_above_the_limit_are_clamped_to_it():
    assert MAX_CENTS == 4_194_303
    assert cents_from_points(41_943.03) == MAX_CENTS
    assert cents_from_points(1_000_000) == MAX_CENTS
    assert cents_from_points(0.1 + 0.2) == 30
    assert cents_from_points(-5) == 0


def test_points_show_as_integers_when_whole():
    assert points_from_cents(3200) == 32 and isinstance(points_from_cents(3200), int)
    assert points_from_cents(1234) == 12.34


def test_distinct_ranks_follow_board_order():
    assert slice_ranks(start=10, cents=[9, 9, 8], first_higher=3, mode=DISTINCT) == [11, 12, 13]


def test_competition_ranks_share_the_number_of_the_first_tied_learner():
    assert slice_ranks(start=0, cents=[9, 9, 8, 8, 8, 1], first_higher=0, mode=COMPETITION) == [
        1, 1, 3, 3, 3, 6]
    # A page that starts inside a tie takes the rank of the tie's first member.
    assert slice_ranks(start=4, cents=[8, 1], first_higher=2, mode=COMPETITION) == [3, 6]


def test_dense_ranks_give_the_next_value_the_next_number():
    assert slice_ranks(start=0, cents=[9, 9, 8, 8, 8, 1], first_higher=0, mode=DENSE) == [
        1, 1, 2, 2, 2, 3]
    # A page inside a tie: first_higher counts the distinct values above its first entry.
    assert slice_ranks(start=4, cents=[8, 1], first_higher=1, mode=DENSE) == [2, 3]


def test_percentile_is_the_share_ranked_at_or_below():
    assert percentile(rank=1, count=4) == 100.0
    assert percentile(rank=4, count=4) == 25.0
    assert percentile(rank=1, count=0) == 0.0


def test_weeks_start_monday_utc_and_carry_their_iso_name():
    week = week_containing(datetime(2026, 11, 29, 23, 59, tzinfo=UTC))  # a Sunday
    assert (week.label, week.start, week.end) == ("2026-W48", MONDAY, MONDAY + timedelta(days=7))
    assert week.name == "week:2026-W48"
    assert week_containing(MONDAY).label == "2026-W48"
    assert week_containing(MONDAY - timedelta(seconds=1)).label == "2026-W47"
    assert week_parse("2026-W48") == week


def test_weeks_may_start_on_another_weekday():
    sunday_start = week_containing(datetime(2026, 11, 29, 1, tzinfo=UTC), start_weekday=6)
    assert sunday_start.start == datetime(2026, 11, 29, tzinfo=UTC)
    assert sunday_start.label == "2026-W49"
    assert week_parse("2026-W49", start_weekday=6) == sunday_start
    for weekday in range(7):
        for offset in range(14):
            week = week_containing(MONDAY + timedelta(days=offset), start_weekday=weekday)
            assert week_parse(week.label, start_weekday=weekday) == week


@pytest.mark.parametrize("label", ["2026-48", "2026-W54", "26-W01", "2026-W00", "2025-W53"])
def test_bad_week_names_are_refused(label):
    with pytest.raises(ValueError):
        week_parse(label)


def test_weekly_boards_expire_after_the_retention_period():
    week = week_parse("2026-W48")
    assert window_expire_at(week, retention=timedelta(weeks=8)) == week.end + timedelta(weeks=8)
