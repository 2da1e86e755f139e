"""Moments as courses store them: UTC to the second, "2026-12-01T00:00:00Z", years 0001-9999 (pure)."""
from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime


def moment_parse(value: object) -> datetime | None:
    """An ISO 8601 date-time moved to UTC (naive means UTC), or None when it is malformed,
    impossible (month 13) or falls outside what a datetime holds once moved to UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def moment_format(moment: datetime) -> str:
    """The stored form; the year always has four digits (strftime's %Y drops leading zeros)."""
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def moment_read(stored: str) -> datetime:
    """A stored moment back as an aware datetime."""
    return datetime.strptime(stored, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
