"""Per-element results of one learner: each item, each lesson and section, the grade, what is due
soon (pure, no I/O; part of the progress calculation, stored and cached with it)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from learning.grading import Grade, grade_compute
from learning.moments import moment_format
from learning.outline import Outline
from learning.policy import item_due

DUE_SOON_DAYS = 7


@dataclass(frozen=True, slots=True)
class ItemActivity:
    """What the attempt summary counts per item besides marks: attempts, the last, lateness,
    and whether staff set the item's marks (an override)."""

    attempts: int = 0
    last_attempt_at: datetime | None = None
    late: bool = False
    overridden: bool = False


_NOTHING_YET = ItemActivity()


@dataclass(slots=True)
class ElementResults:
    """Everything below the course totals, as JSON-ready lists."""

    items: list[dict] = field(default_factory=list)
    lessons: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    due_soon: list[dict] = field(default_factory=list)
    grade: Grade | None = None


def element_results(outline: Outline, *, best: dict[str, float], completed: set[str],
                    shown: Callable[[str], bool], activity: dict[str, ItemActivity], now: datetime,
                    enrolled_at: datetime | None,
                    change_at: Callable[[datetime], None]) -> ElementResults:
    """Results per item, lesson and section; `shown(item_id)` says whether the learner may see
    the item's marks now (roll-ups carry both all marks and the shown ones)."""
    out = ElementResults()
    soon_until = now + timedelta(days=DUE_SOON_DAYS)
    for section in outline.sections:
        s_totals = _Totals()
        for lesson in section.lessons:
            l_totals = _Totals()
            for item in lesson.items:
                marks = best.get(item.id)
                done = item.id in completed
                visible = marks is None or shown(item.id)
                seen = activity.get(item.id, _NOTHING_YET)
                due = (item_due(due_at=item.due_at, due_after_days=item.due_after_days,
                                enrolled_at=enrolled_at)
                       if item.due_at or item.due_after_days is not None else None)
                out.items.append({
                    "id": item.id, "completed": done, "best_marks": marks,
                    "max_marks": item.max_marks, "attempts": seen.attempts,
                    "last_attempt_at": _iso(seen.last_attempt_at),
                    "passed": _passed(item, marks, done), "late": seen.late,
                    "due_at": _iso(due), "marks_shown": visible,
                    # Only when true: the stored results of most learners stay as small.
                    **({"overridden": True} if seen.overridden else {}),
                })
                l_totals.add(item, marks, done, visible)
                if due is not None and not done:
                    _due_soon_note(out, item, due, now, soon_until, change_at)
            out.lessons.append(l_totals.as_dict(lesson.id))
            s_totals.merge(l_totals)
        out.sections.append(s_totals.as_dict(section.id))
    if outline.grading:
        out.grade = grade_compute(outline.grading, members=outline.grade_members, best=best)
    return out


def _passed(item, marks: float | None, done: bool) -> bool | None:
    """Graded items: at or above the pass mark (any grade when there is none); others: None."""
    if item.kind in ("video", "article"):
        return None
    if marks is None:
        return False
    return item.pass_marks is None or marks >= item.pass_marks


def _due_soon_note(out: ElementResults, item, due: datetime, now: datetime, soon_until: datetime,
                   change_at: Callable[[datetime], None]) -> None:
    """List an unfinished item due within DUE_SOON_DAYS; note when that list next changes."""
    if now <= due <= soon_until:
        out.due_soon.append({"id": item.id, "title": item.title, "due_at": _iso(due)})
        change_at(due)  # it leaves the list when it falls due
    elif due > soon_until:
        change_at(due - timedelta(days=DUE_SOON_DAYS))  # it enters the list then


@dataclass(slots=True)
class _Totals:
    required: int = 0
    completed: int = 0
    obtained: float = 0.0
    shown: float = 0.0
    possible: float = 0.0

    def add(self, item, marks: float | None, done: bool, shown: bool) -> None:
        if not item.optional:
            self.required += 1
            self.completed += done
        self.obtained += marks or 0.0
        self.shown += (marks or 0.0) if shown else 0.0
        self.possible += item.max_marks

    def merge(self, other: _Totals) -> None:
        self.required += other.required
        self.completed += other.completed
        self.obtained += other.obtained
        self.shown += other.shown
        self.possible += other.possible

    def as_dict(self, element_id: str) -> dict:
        percent = round(100.0 * self.completed / self.required, 2) if self.required else 0.0
        return {"id": element_id, "completion_percent": percent,
                "marks_obtained": round(self.obtained, 2), "marks_shown": round(self.shown, 2),
                "marks_total": round(self.possible, 2)}


def _iso(value: datetime | None) -> str | None:
    return moment_format(value) if value else None
