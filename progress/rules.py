"""Unlock rules evaluated for one learner (pure, no I/O); their format is in learning.rules."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.utils.dateparse import parse_datetime

# --- Evaluation (every recalculation) ----------------------------------------------------------

@dataclass(slots=True)
class RuleContext:
    """What conditions are evaluated against, for one learner."""

    now: datetime
    enrolled_at: datetime | None
    # Read with .get(ref) only, so the calculation may pass lazy views instead of full dicts.
    done: Mapping[str, bool]
    score_percent: Mapping[str, float | None]
    titles: Mapping[str, str]
    # The earliest future moment at which a date condition flips; the result is valid until then.
    next_change: datetime | None = None
    failures: list[dict] = field(default_factory=list)

    def change_at(self, moment: datetime) -> None:
        if moment > self.now and (self.next_change is None or moment < self.next_change):
            self.next_change = moment


def rule_evaluate(rule: dict, ctx: RuleContext) -> list[dict]:
    """Failed conditions of a normalised rule, each {code, reason, ...}; empty when it holds."""
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
        flat = [failure for group in failures for failure in group]
        return [{"code": "any_of", "reason": "One of: " + "; or ".join(f["reason"] for f in flat),
                 "conditions": flat}]
    if "completed" in cond:
        ref, minimum = cond["completed"], cond.get("min_score_percent")
        title = ctx.titles.get(ref, ref)
        score = ctx.score_percent.get(ref)
        met = ctx.done.get(ref, False) and (minimum is None or (score or 0.0) >= minimum)
        if met:
            return []
        if minimum is None:
            return [{"code": "prerequisite", "ref": ref, "reason": f"Complete '{title}'"}]
        return [{"code": "prerequisite_score", "ref": ref, "min_score_percent": minimum,
                 "reason": f"Complete '{title}' with at least {minimum:g}%"}]
    if "available_from" in cond:
        opens = _parse_utc(cond["available_from"])
        return _date_failure(opens, ctx, "available_from")
    if ctx.enrolled_at is None:
        return [{"code": "available_after_days", "reason": "Opens after you enroll"}]
    opens = ctx.enrolled_at + timedelta(days=cond["available_after_days"])
    return _date_failure(opens, ctx, "available_after_days")


def _date_failure(opens: datetime, ctx: RuleContext, code: str) -> list[dict]:
    ctx.change_at(opens)
    if ctx.now >= opens:
        return []
    return [{"code": code, "opens_at": opens.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "reason": f"Opens on {_human_date(opens)}"}]


@lru_cache(maxsize=1024)
def _parse_utc(value: str) -> datetime:
    moment = parse_datetime(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _human_date(moment: datetime) -> str:
    """'2026-12-01' at midnight UTC, else '2026-12-01 14:30 UTC'."""
    moment = moment.astimezone(UTC)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")
