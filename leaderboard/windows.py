"""Which boards exist now: this week's window and the windows one learner update touches."""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from leaderboard.scoring import (
    ALL,
    ALL_TIME,
    GROUP,
    WEEK,
    Window,
    week_containing,
    week_parse,
    window_expire_at,
)


def current_week(*, now: datetime | None = None) -> Window:
    """The week window holding `now`."""
    return week_containing(now or timezone.now(), start_weekday=settings.LEADERBOARD_WEEK_START)


def update_windows(*, now: datetime | None = None) -> list[Window]:
    """Boards one learner update touches: all-time, this week and last week (late messages)."""
    week = current_week(now=now)
    previous = week_containing(week.start - timedelta(days=1),
                               start_weekday=settings.LEADERBOARD_WEEK_START)
    return [ALL_TIME, week, previous]


def window_expiry(window: Window) -> datetime | None:
    """When Redis drops the window's board (never for all-time)."""
    return window_expire_at(window, retention_weeks=settings.LEADERBOARD_WEEKLY_RETENTION_WEEKS)


def window_from_name(name: str) -> Window:
    """The window a board name stands for: "all", "week:2026-W48", "g:<group id>:all", …"""
    if name.startswith(f"{GROUP}:"):
        _, group, base = name.split(":", 2)
        return window_from_name(base).of_group(group)
    if name == ALL:
        return ALL_TIME
    kind, _, label = name.partition(":")
    if kind != WEEK:
        raise ValueError(f"not a board name: {name!r}")
    return week_parse(label, start_weekday=settings.LEADERBOARD_WEEK_START)
