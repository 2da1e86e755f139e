"""Pure progress calculation: completion, marks and unlocks (sequential + rules), with no I/O."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from learning.outline import AttemptFact, ItemSpec, LessonSpec, Outline, SectionSpec
from progress.rules import RuleContext, rule_evaluate


@dataclass(frozen=True, slots=True)
class ItemState:
    """Best result and completion of one item for one learner."""

    best_marks: float | None
    completed: bool


@dataclass(slots=True)
class LockedElement:
    """An element the learner cannot open yet, and why."""

    kind: str  # "section" | "lesson" | "item"
    id: str
    title: str
    code: str
    reason: str
    conditions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"type": self.kind, "id": self.id, "title": self.title, "code": self.code,
                "reason": self.reason, "conditions": self.conditions}


@dataclass(slots=True)
class ProgressResult:
    """Everything the progress document and API response hold, before storage."""

    completion_percent: float
    completed_items: int
    total_items: int
    marks_obtained: float
    marks_total: float
    unlocked_sections: list[str] = field(default_factory=list)
    unlocked_lessons: list[str] = field(default_factory=list)
    unlocked_items: list[str] = field(default_factory=list)
    completed_item_ids: list[str] = field(default_factory=list)
    locked: list[LockedElement] = field(default_factory=list)
    next_item_id: str | None = None
    is_complete: bool = False
    # When a date condition next flips; the result must be recomputed after it.
    valid_until: datetime | None = None


def item_states(outline: Outline, attempts: Iterable[AttemptFact]) -> dict[str, ItemState]:
    """Fold attempts into the best marks and completion of each item of the outline."""
    items = {item.id: item for item in outline.items()}
    best: dict[str, float] = {}
    marked_done: set[str] = set()
    for attempt in attempts:
        item = items.get(attempt.item_id)
        if item is None:  # attempt on an item removed from the outline
            continue
        if attempt.marks is not None:
            marks = min(attempt.marks, item.max_marks) if item.max_marks else attempt.marks
            if marks > best.get(attempt.item_id, -1.0):
                best[attempt.item_id] = marks
        if attempt.completed:
            marked_done.add(attempt.item_id)
    return {
        item_id: ItemState(best.get(item_id), _is_complete(item, best.get(item_id), item_id in marked_done))
        for item_id, item in items.items()
    }


def _is_complete(item: ItemSpec, best_marks: float | None, marked_done: bool) -> bool:
    """Completion rule by kind: videos/articles when marked, graded kinds at the pass mark."""
    if item.kind in ("video", "article"):
        return marked_done
    if best_marks is None:
        return False
    return item.pass_marks is None or best_marks >= item.pass_marks


def progress_calculate(outline: Outline, attempts: Iterable[AttemptFact], *,
                       now: datetime | None = None,
                       enrolled_at: datetime | None = None) -> ProgressResult:
    """Compute completion %, marks and unlocks for one learner in one course."""
    now = now or datetime.now(UTC)
    states = item_states(outline, attempts)
    all_items = outline.items()
    required = [item for item in all_items if not item.optional]
    completed_required = sum(1 for item in required if states[item.id].completed)
    marks_total = sum(item.max_marks for item in all_items)
    marks_obtained = sum(s.best_marks for s in states.values() if s.best_marks is not None)
    total = len(required)
    percent = round(100.0 * completed_required / total, 2) if total else 0.0
    result = ProgressResult(
        completion_percent=percent,
        completed_items=completed_required,
        total_items=total,
        marks_obtained=round(marks_obtained, 2),
        marks_total=round(marks_total, 2),
        completed_item_ids=[item.id for item in all_items if states[item.id].completed],
        is_complete=total > 0 and completed_required == total,
    )
    ctx = _rule_context(outline, states, now, enrolled_at)
    _apply_unlocks(outline, states, ctx, result)
    result.valid_until = ctx.next_change
    return result


def _rule_context(outline: Outline, states: dict[str, ItemState], now: datetime,
                  enrolled_at: datetime | None) -> RuleContext:
    """Completion and score % of every element, which prerequisites refer to."""
    done: dict[str, bool] = {}
    score: dict[str, float | None] = {}
    titles: dict[str, str] = {}
    for section in outline.sections:
        section_totals = [0.0, 0.0, True]  # obtained, possible, all required complete
        for lesson in section.lessons:
            lesson_totals = [0.0, 0.0, True]
            for item in lesson.items:
                state = states[item.id]
                done[item.id] = state.completed
                score[item.id] = _percent(state.best_marks or 0.0, item.max_marks, state.completed)
                titles[item.id] = item.title
                for totals in (lesson_totals, section_totals):
                    totals[0] += state.best_marks or 0.0
                    totals[1] += item.max_marks
                    if not item.optional and not state.completed:
                        totals[2] = False
            done[lesson.id], titles[lesson.id] = lesson_totals[2], lesson.title
            score[lesson.id] = _percent(lesson_totals[0], lesson_totals[1], lesson_totals[2])
        done[section.id], titles[section.id] = section_totals[2], section.title
        score[section.id] = _percent(section_totals[0], section_totals[1], section_totals[2])
    return RuleContext(now=now, enrolled_at=enrolled_at, done=done, score_percent=score,
                       titles=titles)


def _percent(obtained: float, possible: float, complete: bool) -> float:
    """Score % of an element; one without marks scores 100% once complete."""
    if possible > 0:
        return 100.0 * obtained / possible
    return 100.0 if complete else 0.0


def _apply_unlocks(outline: Outline, states: dict[str, ItemState], ctx: RuleContext,
                   result: ProgressResult) -> None:
    """Fill unlocked/locked lists: sequential order, then each element's own rules."""
    sequential = outline.unlock_mode == "sequential"
    previous_item: ItemSpec | None = None  # last required item seen, in course order
    previous_section: SectionSpec | None = None
    previous_lesson: LessonSpec | None = None
    for section in outline.sections:
        failures = []
        if sequential and previous_section is not None and not ctx.done[previous_section.id]:
            failures.append({"code": "previous_section_incomplete",
                             "reason": f"Complete the section '{previous_section.title}' first"})
        failures += rule_evaluate(section.rules, ctx)
        section_lock = _lock(result, "section", section.id, section.title, failures)
        for lesson in section.lessons:
            failures = []
            if sequential and previous_lesson is not None and not ctx.done[previous_lesson.id]:
                failures.append({"code": "previous_lesson_incomplete",
                                 "reason": f"Complete the lesson '{previous_lesson.title}' first"})
            failures += rule_evaluate(lesson.rules, ctx)
            if not failures and section_lock is not None:
                failures = [_container_failure("section", section.title, section_lock)]
            lesson_lock = _lock(result, "lesson", lesson.id, lesson.title, failures)
            for item in lesson.items:
                done = states[item.id].completed
                failures = []
                if sequential and previous_item is not None and not states[previous_item.id].completed:
                    failures.append({"code": "previous_item_incomplete",
                                     "reason": f"Complete '{previous_item.title}' first"})
                failures += rule_evaluate(item.rules, ctx)
                if not failures and lesson_lock is not None:
                    failures = [_container_failure("lesson", lesson.title, lesson_lock)]
                # Work already completed stays open even if the outline changed around it.
                if done or not failures:
                    result.unlocked_items.append(item.id)
                    if not done and result.next_item_id is None:
                        result.next_item_id = item.id
                else:
                    _lock(result, "item", item.id, item.title, failures)
                if not item.optional:
                    previous_item = item
            previous_lesson = lesson
        previous_section = section


def _lock(result: ProgressResult, kind: str, element_id: str, title: str,
          failures: list[dict]) -> LockedElement | None:
    """Record the element as unlocked, or as locked with its reasons; return the lock."""
    if not failures:
        getattr(result, f"unlocked_{kind}s").append(element_id)
        return None
    locked = LockedElement(kind, element_id, title, failures[0]["code"],
                           "; ".join(f["reason"] for f in failures), failures)
    result.locked.append(locked)
    return locked


def _container_failure(kind: str, title: str, lock: LockedElement) -> dict:
    return {"code": f"{kind}_locked", "reason": f"The {kind} '{title}' is locked: {lock.reason}"}
