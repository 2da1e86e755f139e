"""Attempt policies: how often a learner may attempt an item and when they see its marks (pure).

A course sets a default; an item may override any part of it. Staff grading on behalf of a
learner is never limited, and staff always see marks.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

from learning.moments import moment_read

REVEAL_IMMEDIATELY = "immediately"
REVEAL_AFTER_DUE = "after_due"
REVEAL_NEVER = "never"
REVEAL_CHOICES = (REVEAL_IMMEDIATELY, REVEAL_AFTER_DUE, REVEAL_NEVER)
POLICY_FIELDS = ("max_attempts", "cooldown_seconds", "reveal_marks")


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    """Limits on a learner's attempts at one item, and when their marks are shown to them."""

    max_attempts: int | None = None  # None: unlimited
    cooldown_seconds: int = 0
    reveal_marks: str = REVEAL_IMMEDIATELY

    def overridden(self, override: dict) -> AttemptPolicy:
        """This policy with an item's own settings on top."""
        return replace(self, **{k: v for k, v in override.items() if k in POLICY_FIELDS})

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def limits_attempts(self) -> bool:
        return self.max_attempts is not None or self.cooldown_seconds > 0


def due_moment(due_at: str | None) -> datetime | None:
    """An item's stored due date ("2026-12-01T00:00:00Z") as an aware datetime."""
    if not due_at:
        return None
    return moment_read(due_at)


def marks_revealed(policy: AttemptPolicy, due_at: str | None, now: datetime) -> bool:
    """The learner may see this item's marks now."""
    if policy.reveal_marks == REVEAL_IMMEDIATELY:
        return True
    if policy.reveal_marks == REVEAL_NEVER:
        return False
    due = due_moment(due_at)
    return due is not None and now >= due


def reveal_moment(policy: AttemptPolicy, due_at: str | None, now: datetime) -> datetime | None:
    """When marks hidden now become visible (None: they are visible, or never will be)."""
    if policy.reveal_marks != REVEAL_AFTER_DUE:
        return None
    due = due_moment(due_at)
    return due if due is not None and due > now else None


# --- Late work ------------------------------------------------------------------------------------

LATE_ACCEPT = "accept"
LATE_PENALTY = "penalty_percent"
LATE_REFUSE = "refuse"
LATE_MODES = (LATE_ACCEPT, LATE_PENALTY, LATE_REFUSE)


@dataclass(frozen=True, slots=True)
class LatePolicy:
    """What happens to an attempt made after its item's due moment (a course-wide setting)."""

    mode: str = LATE_ACCEPT
    percent_per_day: float = 0.0  # penalty_percent: marks lost per started day late
    max_percent: float = 100.0  # penalty_percent: the most a late attempt loses

    @classmethod
    def of(cls, stored: dict) -> LatePolicy:
        return cls(**{k: v for k, v in stored.items() if k in ("mode", "percent_per_day",
                                                               "max_percent")})

    def penalty_percent(self, *, due: datetime, at: datetime) -> float:
        """Percent of the marks lost by an attempt at `at` for an item due at `due`."""
        if self.mode != LATE_PENALTY or at <= due:
            return 0.0
        days = -(-(at - due) // timedelta(days=1))  # started days: 1 second late is one day
        return min(days * self.percent_per_day, self.max_percent)


def item_due(*, due_at: str | None, due_after_days: int | None,
             enrolled_at: datetime | None) -> datetime | None:
    """When an item is due for one learner: its fixed date, or days after they enrolled."""
    if due_at:
        return due_moment(due_at)
    if due_after_days is not None and enrolled_at is not None:
        if enrolled_at.tzinfo is None:
            enrolled_at = enrolled_at.replace(tzinfo=UTC)
        return enrolled_at + timedelta(days=due_after_days)
    return None
