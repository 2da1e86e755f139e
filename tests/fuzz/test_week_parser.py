"""The week parser on any input: a week window that names itself, or the documented errors."""
from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from config.exceptions import InvalidInput, NotFound
from leaderboard.scoring import WEEK, week_parse
from leaderboard.selectors import window_resolve
from tests.fuzz.edges import WEEKS, any_text

labels = st.one_of(
    st.builds(lambda year, week: f"{year:04d}-W{week:02d}", st.integers(0, 9999),
              st.integers(0, 99)),
    st.from_regex(r"[0-9]{4}-W[0-9]{2}", fullmatch=True),
    st.sampled_from(WEEKS),
    any_text,
)


@given(label=labels, start_weekday=st.integers(0, 6))
@example(label="9999-W52", start_weekday=0)  # ends in year 10000
@example(label="0001-W01", start_weekday=6)  # starts in year 0
@example(label="0001-W01", start_weekday=0)  # was labelled "1-W01"
@settings(max_examples=500, deadline=None)
def test_any_label_is_a_week_that_names_itself_or_a_value_error(label, start_weekday):
    try:
        window = week_parse(label, start_weekday=start_weekday)
    except ValueError:
        return
    assert window.kind == WEEK
    assert (window.end - window.start).days == 7
    assert window.start.weekday() == start_weekday
    assert week_parse(window.label, start_weekday=start_weekday) == window


@given(label=labels, now=st.datetimes(min_value=datetime(1, 1, 8), max_value=datetime(9999, 12, 24)),
       start_weekday=st.integers(0, 6))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_requested_week_resolves_or_answers_400_or_404(settings, label, now, start_weekday):
    settings.LEADERBOARD_WEEK_START = start_weekday
    try:
        window = window_resolve(window="week", week=label, now=now.replace(tzinfo=UTC))
    except (InvalidInput, NotFound) as exc:
        assert exc.code in ("invalid_week", "week_expired")
        return
    assert window.kind == WEEK
