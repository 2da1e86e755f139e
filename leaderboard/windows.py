"""Which boards exist now: the current period of each kind and the windows one update touches."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from leaderboard.scoring import (
    ALL,
    ALL_TIME,
    DAY,
    GROUP,
    MONTH,
    SEASON,
    WEEK,
    Window,
    day_containing,
    day_parse,
    month_containing,
    month_parse,
    week_containing,
    week_parse,
    window_expire_at,
)


def current_week(*, now: datetime | None = None) -> Window:
    """The week window holding `now`."""
    return week_containing(now or timezone.now(), start_weekday=settings.LEADERBOARD_WEEK_START)


def period_containing(kind: str, moment: datetime) -> Window:
    """The day, week or month holding `moment`."""
    if kind == DAY:
        return day_containing(moment)
    if kind == MONTH:
        return month_containing(moment)
    return week_containing(moment, start_weekday=settings.LEADERBOARD_WEEK_START)


def current_periods(*, now: datetime | None = None) -> list[Window]:
    """This week, today and this month."""
    now = now or timezone.now()
    return [period_containing(kind, now) for kind in (WEEK, DAY, MONTH)]


def update_windows(*, now: datetime | None = None) -> list[Window]:
    """Boards one learner update touches: all-time, then this and the previous week, day and
    month (the previous one for late messages)."""
    windows = [ALL_TIME]
    for period in current_periods(now=now):
        windows += [period, period_containing(period.kind, period.start - timedelta(seconds=1))]
    return windows


def retention_of(kind: str) -> timedelta:
    """How long a finished period's board stays in Redis (its archive stays in MongoDB)."""
    return {
        DAY: timedelta(days=settings.LEADERBOARD_DAILY_RETENTION_DAYS),
        WEEK: timedelta(weeks=settings.LEADERBOARD_WEEKLY_RETENTION_WEEKS),
        MONTH: timedelta(days=31 * settings.LEADERBOARD_MONTHLY_RETENTION_MONTHS),
        SEASON: timedelta(days=settings.LEADERBOARD_SEASON_RETENTION_DAYS),
    }.get(kind, timedelta(0))


def window_expiry(window: Window) -> datetime | None:
    """When Redis drops the window's board (never for all-time)."""
    return window_expire_at(window, retention=retention_of(window.kind))


def window_from_name(name: str) -> Window:
    """The window a board name stands for: "all", "week:2026-W48", "day:2026-11-29",
    "month:2026-11", "season:<id>", or any of them on a group's board ("g:<group id>:all")."""
    if name.startswith(f"{GROUP}:"):
        _, group, base = name.split(":", 2)
        return window_from_name(base).of_group(group)
    if name == ALL:
        return ALL_TIME
    kind, _, label = name.partition(":")
    if kind == WEEK:
        return week_parse(label, start_weekday=settings.LEADERBOARD_WEEK_START)
    if kind == DAY:
        return day_parse(label)
    if kind == MONTH:
        return month_parse(label)
    if kind == SEASON:
        from leaderboard.seasons import season_window  # seasons read MongoDB

        return season_window(season_id=label)
    raise ValueError(f"not a board name: {name!r}")
