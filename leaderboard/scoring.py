"""Pure scoring helpers: the composite sorted-set score, week windows and rank numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from learning.documents import MAX_COURSE_MARKS

# A sorted-set score is a double: integers are exact up to 2^53. The composite packs the
# points (in cents) above 31 bits of "how early the learner reached them", so one ZREVRANGE
# lists higher points first and, among equal points, whoever reached them first.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
_EPOCH_SECONDS = int(EPOCH.timestamp())
TIME_BITS = 31
TIME_MAX = (1 << TIME_BITS) - 1  # seconds: 2^31 s after 2024-01-01 is 2092-01-19
MAX_CENTS = ((1 << 53) - 1) >> TIME_BITS  # 4,194,303 cents = 41,943.03 points
MAX_POINTS = MAX_CENTS / 100
if round(MAX_COURSE_MARKS * 100) > MAX_CENTS:
    raise RuntimeError("learning.documents.MAX_COURSE_MARKS exceeds what a composite score holds")

DISTINCT = "distinct"
COMPETITION = "competition"
DENSE = "dense"
RANKING_MODES = (DISTINCT, COMPETITION, DENSE)

ALL = "all"
WEEK = "week"
DAY = "day"
MONTH = "month"
SEASON = "season"
PERIOD_KINDS = (DAY, WEEK, MONTH, SEASON)
GROUP = "g"
# [0-9], not \d: \d also matches other scripts' digits, which int() reads but labels must not hold.
_DAY_LABEL = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_MONTH_LABEL = re.compile(r"^([0-9]{4})-([0-9]{2})\Z")
_WEEK_LABEL = re.compile(r"^([0-9]{4})-W([0-9]{2})\Z")


def cents_from_points(points: float) -> int:
    """Points to whole cents, clamped to [0, MAX_CENTS] (the exact range of the composite)."""
    return min(max(round(float(points) * 100), 0), MAX_CENTS)


def points_from_cents(cents: int) -> float | int:
    """Whole points as integers, others with 2 decimals."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def _utc(moment: datetime) -> datetime:
    """MongoDB hands back naive datetimes that are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Scale:
    """How a board packs points and time into one score: `time_bits` of `unit_seconds` steps."""

    time_bits: int
    unit_seconds: int

    @property
    def time_max(self) -> int:
        return (1 << self.time_bits) - 1

    @property
    def max_cents(self) -> int:
        return ((1 << 53) - 1) >> self.time_bits


COURSE_SCALE = Scale(time_bits=TIME_BITS, unit_seconds=1)
# The global board sums many courses: 2^32 cents (42,949,672.95 points) with ties resolved to
# the hour (2^21 hours after 2024-01-01 is past 2263).
GLOBAL_SCALE = Scale(time_bits=21, unit_seconds=3600)


def composite_encode(*, cents: int, reached_at: datetime, scale: Scale = COURSE_SCALE) -> int:
    """Sorted-set score: cents × 2^31 + (2^31 − 1 − seconds from EPOCH to reached_at)."""
    if not 0 <= cents <= scale.max_cents:
        raise ValueError(f"cents must be within 0..{scale.max_cents}, got {cents}")
    # timestamp() of an aware datetime is exact whatever the machine's time zone (and fast:
    # a rebuild encodes every member).
    stamp = reached_at.timestamp() if reached_at.tzinfo else _utc(reached_at).timestamp()
    steps = min(max((int(stamp) - _EPOCH_SECONDS) // scale.unit_seconds, 0), scale.time_max)
    return (cents << scale.time_bits) + (scale.time_max - steps)


def composite_decode(score: float | int | str | bytes, scale: Scale = COURSE_SCALE
                     ) -> tuple[int, datetime]:
    """(cents, reached_at) from a sorted-set score."""
    value = int(float(score))
    cents, inverted = value >> scale.time_bits, value & scale.time_max
    return cents, EPOCH + timedelta(seconds=(scale.time_max - inverted) * scale.unit_seconds)


def composite_floor(cents: int, scale: Scale = COURSE_SCALE) -> int:
    """The lowest composite score holding `cents` (ZCOUNT bound for "strictly more points")."""
    return cents << scale.time_bits


def lua_for(script: str, scale: Scale) -> str:
    """A Redis script written for course boards (2^31 time steps), for a board of `scale`."""
    return script.replace("2147483648", str(1 << scale.time_bits))


def slice_ranks(*, start: int, cents: list[int], first_higher: int, mode: str) -> list[int]:
    """Rank numbers of consecutive board entries from 0-based position `start`.

    `first_higher` is, for competition ranks, how many members have strictly more points than
    the first entry (tied points share the rank of the first of them); for dense ranks, how many
    distinct point values are higher than the first entry's (ties share a rank, the next value
    gets the next number).
    """
    ranks: list[int] = []
    for index, value in enumerate(cents):
        if mode not in (COMPETITION, DENSE):
            ranks.append(start + index + 1)
        elif index == 0:
            ranks.append(first_higher + 1)
        elif value == cents[index - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(ranks[-1] + 1 if mode == DENSE else start + index + 1)
    return ranks


def percentile(*, rank: int, count: int) -> float:
    """Share of the board (%) ranked at or below `rank`: 100.0 for the leader."""
    return round(100 * (count - rank + 1) / count, 1) if count else 0.0


@dataclass(frozen=True)
class Window:
    """One board: all-time, or one week [start, end) labelled like 2026-W48."""

    kind: str
    label: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    group: str | None = None  # a group's board of the window (its members only)

    @property
    def name(self) -> str:
        """Key suffix: "all", "week:2026-W48", or a group's "g:<group id>:all"."""
        base = ALL if self.kind == ALL else f"{self.kind}:{self.label}"
        return f"{GROUP}:{self.group}:{base}" if self.group else base

    def of_group(self, group: str | None) -> Window:
        """The same window on a group's board (or on the course's, with None)."""
        return replace(self, group=group)


ALL_TIME = Window(kind=ALL)


def week_containing(moment: datetime, *, start_weekday: int = 0) -> Window:
    """The week window holding `moment`; weeks start at 00:00 UTC on `start_weekday` (0 = Monday)."""
    moment = _utc(moment)
    day = moment.date()
    first = day - timedelta(days=(day.weekday() - start_weekday) % 7)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    # Named after the ISO week that holds most of its days (its 4th day), so Monday-start
    # weeks carry exactly their ISO name and other start days stay one-to-one with names.
    iso = (first + timedelta(days=3)).isocalendar()
    return Window(kind=WEEK, label=f"{iso.year:04d}-W{iso.week:02d}", start=start,
                  end=start + timedelta(days=7))


def week_parse(label: str, *, start_weekday: int = 0) -> Window:
    """The week window named `label` (e.g. 2026-W48); ValueError if it is not a valid ISO week."""
    match = _WEEK_LABEL.match(label)
    if not match:
        raise ValueError(f"week must look like 2026-W48, got {label!r}")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        thursday = date.fromisocalendar(year, week, 4)
    except ValueError as exc:
        raise ValueError(f"{label} is not an ISO week of {year}") from exc
    try:
        return week_containing(datetime(thursday.year, thursday.month, thursday.day, tzinfo=UTC),
                               start_weekday=start_weekday)
    except OverflowError as exc:  # the first or last days of the calendar (years 1 and 9999)
        raise ValueError(f"{label} is outside the calendar this service handles") from exc


def day_containing(moment: datetime) -> Window:
    """The UTC day holding `moment`, labelled like 2026-11-29."""
    day = _utc(moment).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Window(kind=DAY, label=day.isoformat(), start=start, end=start + timedelta(days=1))


def day_parse(label: str) -> Window:
    """The day named `label` (2026-11-29); ValueError if it is not a date."""
    if not _DAY_LABEL.match(label):
        raise ValueError(f"day must look like 2026-11-29, got {label!r}")
    try:
        day = date.fromisoformat(label)
    except ValueError as exc:
        raise ValueError(f"{label} is not a date") from exc
    try:
        return day_containing(datetime(day.year, day.month, day.day, tzinfo=UTC))
    except OverflowError as exc:  # 9999-12-31: its end is past the calendar
        raise ValueError(f"{label} is outside the calendar this service handles") from exc


def _month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def month_containing(moment: datetime) -> Window:
    """The UTC calendar month holding `moment`, labelled like 2026-11."""
    moment = _utc(moment)
    start = _month_start(moment.year, moment.month)
    end = _month_start(moment.year + moment.month // 12, moment.month % 12 + 1)
    return Window(kind=MONTH, label=f"{moment.year:04d}-{moment.month:02d}", start=start, end=end)


def month_parse(label: str) -> Window:
    """The month named `label` (2026-11); ValueError if it is not one."""
    match = _MONTH_LABEL.match(label)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValueError(f"month must look like 2026-11, got {label!r}")
    return month_containing(_month_start(int(match.group(1)), int(match.group(2))))


def window_expire_at(window: Window, *, retention: timedelta) -> datetime | None:
    """When Redis drops a period's board: `retention` after it ends (never for all-time)."""
    if window.kind == ALL:
        return None
    try:
        return window.end + retention
    except OverflowError:
        # A season stored with an end near 9999-12-31 (refused since, but possibly stored):
        # it must not fail every update of its course.
        return datetime.max.replace(tzinfo=UTC)
