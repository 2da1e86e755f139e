"""The unlock-rule parser on any input: a normalised rule that evaluates, or RuleError."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from learning.moments import moment_format, moment_parse, moment_read
from learning.rules import RuleError, rule_normalize
from progress.rules import RuleContext, rule_evaluate
from tests.fuzz.edges import MOMENTS, any_text, json_values, moment_texts

REFS = {"intro": "6650f0c2a1b2c3d4e5f60701", "quiz": "6650f0c2a1b2c3d4e5f60702"}


def _resolve(ref: str) -> str | None:
    return REFS.get(ref) or (ref if ref in REFS.values() else None)


leaf_conditions = st.one_of(
    st.builds(lambda ref: {"completed": ref}, st.sampled_from([*REFS, "nowhere"]) | st.text()),
    st.builds(lambda ref, score: {"completed": ref, "min_score_percent": score},
              st.sampled_from(list(REFS)), json_values),
    st.builds(lambda moment: {"available_from": moment},
              st.sampled_from(MOMENTS) | moment_texts() | json_values),
    st.builds(lambda days: {"available_after_days": days}, json_values | st.integers(-10, 5000)),
    json_values,
)
conditions = st.recursive(
    leaf_conditions,
    lambda children: st.builds(lambda kind, parts: {kind: parts}, st.sampled_from(["all", "any"]),
                               st.lists(children, max_size=4) | children),
    max_leaves=12)

now = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(tzinfo=UTC))


@given(rule=conditions, when=now, enrolled_days_ago=st.none() | st.integers(0, 4000))
@example(rule={"available_from": "0001-01-01T00:00:00Z"}, when=datetime(2026, 1, 1, tzinfo=UTC),
         enrolled_days_ago=None)  # was stored as "1-01-01T00:00:00Z"
@example(rule={"available_from": "2026-13-01T00:00:00Z"}, when=datetime(2026, 1, 1, tzinfo=UTC),
         enrolled_days_ago=None)
@example(rule={"available_from": "0001-01-01T00:00:00+01:00"},
         when=datetime(2026, 1, 1, tzinfo=UTC), enrolled_days_ago=None)
@settings(max_examples=300, deadline=None)
def test_any_rule_is_normalised_and_evaluates_or_is_refused_with_a_rule_error(
        rule, when, enrolled_days_ago):
    try:
        normalized = rule_normalize(rule, resolve=_resolve, where="item 1")
    except RuleError:
        return
    assert isinstance(normalized, dict)
    # What is stored reads back the same (it is normalised again on every outline save).
    assert rule_normalize(normalized, resolve=_resolve, where="item 1") == normalized
    enrolled = None
    if enrolled_days_ago is not None and when - datetime.min.replace(tzinfo=UTC) > timedelta(
            days=enrolled_days_ago):
        enrolled = when - timedelta(days=enrolled_days_ago)
    failures = rule_evaluate(normalized, RuleContext(now=when, enrolled_at=enrolled, done={},
                                                     score_percent={}))
    assert isinstance(failures, list)


@given(text=any_text | moment_texts())
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_utc_moment_that_round_trips_or_none(text):
    moment = moment_parse(text)
    if moment is None:
        return
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    stored = moment_format(moment)
    assert len(stored) == 20 and stored.endswith("Z")
    assert moment_read(stored) == moment.replace(microsecond=0)
