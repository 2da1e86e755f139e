"""Unlock rules evaluated for one learner (pure, no I/O); their format is in learning.rules.

A failed condition is a small dict of facts ({"code", "ref"?, "min_score_percent"?,
"opens_at"?, "conditions"?}), never text: progress.reasons turns it into a sentence when it is
shown, so stored progress stays small whatever the titles.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from learning.moments import moment_format, moment_read


@dataclass(slots=True)
class RuleContext:
    """What conditions are evaluated against, for one learner."""

    now: datetime
    enrolled_at: datetime | None
    # Read with .get(ref) only, so the calculation may pass lazy views instead of full dicts.
    done: Mapping[str, bool]
    score_percent: Mapping[str, float | None]
    # The earliest future moment at which a date condition flips; the result is valid until then.
    next_change: datetime | None = None

    def change_at(self, moment: datetime) -> None:
        if moment > self.now and (self.next_change is None or moment < self.next_change):
            self.next_change = moment


def rule_evaluate(rule: dict, ctx: RuleContext) -> list[dict]:
    """Failed conditions of a normalised rule; empty when it holds."""
    if not rule:
        return []
    return _evaluate(rule, ctx)


def _evaluate(cond: dict, ctx: RuleContext) -> list[dict]:
    if "all" in cond:
        return [failure for child in cond["all"] for failure in _evaluate(child, ctx)]
    if "any" in cond:
        failures = [_evaluate(child, ctx) for child in cond["any"]]
        if any(not f for f in failures):
            return []
        return [{"code": "any_of", "conditions": [f for group in failures for f in group]}]
    if "completed" in cond:
        ref, minimum = cond["completed"], cond.get("min_score_percent")
        score = ctx.score_percent.get(ref)
        met = ctx.done.get(ref, False) and (minimum is None or (score or 0.0) >= minimum)
        if met:
            return []
        if minimum is None:
            return [{"code": "prerequisite", "ref": ref}]
        return [{"code": "prerequisite_score", "ref": ref, "min_score_percent": minimum}]
    if "available_from" in cond:
        return _date_failure(_parse_utc(cond["available_from"]), ctx, "available_from")
    if ctx.enrolled_at is None:
        return [{"code": "available_after_days"}]
    opens = ctx.enrolled_at + timedelta(days=cond["available_after_days"])
    return _date_failure(opens, ctx, "available_after_days")


def _date_failure(opens: datetime, ctx: RuleContext, code: str) -> list[dict]:
    ctx.change_at(opens)
    if ctx.now >= opens:
        return []
    return [{"code": code, "opens_at": moment_format(opens)}]


@lru_cache(maxsize=1024)
def _parse_utc(value: str) -> datetime:
    return moment_read(value)
