"""Pure progress calculation: completion, marks and unlocks (sequential + rules), with no I/O."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from learning.outline import AttemptFact, ItemSpec, LessonSpec, Outline, SectionSpec
from learning.policy import marks_revealed, reveal_moment
from progress.results import ElementResults, ItemActivity, element_results
from progress.rules import RuleContext, rule_evaluate


@dataclass(frozen=True, slots=True)
class ItemState:
    """Best result and completion of one item for one learner."""

    best_marks: float | None
    completed: bool


@dataclass(slots=True)
class LockedElement:
    """An element the learner cannot open yet, and the conditions it fails (facts, no text:
    progress.reasons words them)."""

    kind: str  # "section" | "lesson" | "item"
    id: str
    conditions: list[dict]

    def as_dict(self) -> dict:
        """JSON-ready form, as stored."""
        return {"type": self.kind, "id": self.id, "conditions": self.conditions}


@dataclass(slots=True)
class ProgressResult:
    """Everything the progress document and API response hold, before storage."""

    completion_percent: float
    completed_items: int
    total_items: int
    marks_obtained: float
    marks_total: float
    # What the learner may see of marks_obtained now: items whose policy hides marks left out.
    marks_revealed: float
    marks_hidden_items: int
    unlocked_sections: list[str] = field(default_factory=list)
    unlocked_lessons: list[str] = field(default_factory=list)
    unlocked_items: list[str] = field(default_factory=list)
    completed_item_ids: list[str] = field(default_factory=list)
    locked: list[LockedElement] = field(default_factory=list)
    next_item_id: str | None = None
    is_complete: bool = False
    # When a date condition next flips; the result must be recomputed after it.
    valid_until: datetime | None = None
    # Per item, lesson and section, the grade and what is due soon.
    results: ElementResults = field(default_factory=ElementResults)


def item_states(outline: Outline, attempts: Iterable[AttemptFact]) -> dict[str, ItemState]:
    """Fold attempts into the best marks and completion of each item of the outline."""
    items = outline.item_index
    best, completed = _fold_attempts(items, attempts)
    return {item_id: ItemState(best.get(item_id), item_id in completed) for item_id in items}


def _fold_attempts(items: dict[str, ItemSpec],
                   attempts: Iterable[AttemptFact]) -> tuple[dict[str, float], set[str]]:
    """Best marks per item (capped at max_marks) and the set of completed items; one pass."""
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
    completed = set()
    for item_id, item in items.items():
        # Videos and articles complete when marked; graded kinds at the pass mark (any grade
        # when none is set).
        if item.kind in ("video", "article"):
            if item_id in marked_done:
                completed.add(item_id)
        elif item_id in best and (item.pass_marks is None or best[item_id] >= item.pass_marks):
            completed.add(item_id)
    return best, completed


def progress_calculate(outline: Outline, attempts: Iterable[AttemptFact], *,
                       now: datetime | None = None, enrolled_at: datetime | None = None,
                       activity: dict[str, ItemActivity] | None = None) -> ProgressResult:
    """Compute completion %, marks, unlocks and per-element results for one learner in one course.

    Linear in items + attempts: one pass over the attempts, two over the outline.
    """
    now = now or datetime.now(UTC)
    all_items = outline.item_order
    best, completed = _fold_attempts(outline.item_index, attempts)
    ctx, totals = _rule_context(outline, best, completed, now, enrolled_at)
    required, completed_required, marks_total = totals
    percent = round(100.0 * completed_required / required, 2) if required else 0.0
    hidden_ids = set()
    for item_id in best:
        item, policy = outline.item_index[item_id], outline.policy_index[item_id]
        if marks_revealed(policy, item.due_at, now):
            continue
        hidden_ids.add(item_id)
        if (moment := reveal_moment(policy, item.due_at, now)) is not None:
            ctx.change_at(moment)  # the result changes when these marks are shown
    revealed = sum(marks for item_id, marks in best.items() if item_id not in hidden_ids)
    result = ProgressResult(
        completion_percent=percent,
        completed_items=completed_required,
        total_items=required,
        marks_obtained=round(sum(best.values()), 2),
        marks_total=round(marks_total, 2),
        marks_revealed=round(revealed, 2),
        marks_hidden_items=len(hidden_ids),
        completed_item_ids=[item.id for item in all_items if item.id in completed],
        is_complete=required > 0 and completed_required == required,
    )
    _apply_unlocks(outline, completed, ctx, result)
    result.results = element_results(
        outline, best=best, completed=completed, shown=lambda item_id: item_id not in hidden_ids,
        activity=activity or {}, now=now, enrolled_at=enrolled_at, change_at=ctx.change_at)
    result.valid_until = ctx.next_change
    return result


def _rule_context(outline: Outline, best: dict[str, float], completed: set[str], now: datetime,
                  enrolled_at: datetime | None) -> tuple[RuleContext, tuple[int, int, float]]:
    """What prerequisites refer to (completion and score % of every element) and the
    course totals (required items, completed required items, marks possible), in one pass.

    Lessons and sections are stored; items are looked up on demand, since rules name few of them.
    """
    done: dict[str, bool] = {}
    score: dict[str, float] = {}
    required = completed_required = 0
    marks_total = 0.0
    for section in outline.sections:
        s_obtained = s_possible = 0.0
        s_complete = True
        for lesson in section.lessons:
            l_obtained = l_possible = 0.0
            l_complete = True
            for item in lesson.items:
                l_obtained += best.get(item.id, 0.0)
                l_possible += item.max_marks
                if not item.optional:
                    required += 1
                    if item.id in completed:
                        completed_required += 1
                    else:
                        l_complete = False
            done[lesson.id] = l_complete
            score[lesson.id] = _percent(l_obtained, l_possible, l_complete)
            s_obtained += l_obtained
            s_possible += l_possible
            s_complete = s_complete and l_complete
        done[section.id] = s_complete
        score[section.id] = _percent(s_obtained, s_possible, s_complete)
        marks_total += s_possible

    def item_score(item: ItemSpec) -> float:
        return _percent(best.get(item.id, 0.0), item.max_marks, item.id in completed)

    items = outline.item_index
    ctx = RuleContext(now=now, enrolled_at=enrolled_at,
                      done=_ElementView(items, done, lambda item: item.id in completed),
                      score_percent=_ElementView(items, score, item_score))
    return ctx, (required, completed_required, marks_total)


class _ElementView(Mapping):
    """Read-only mapping id → value: lessons and sections stored, items computed when read."""

    __slots__ = ("_items", "_stored", "_of_item")

    def __init__(self, items: dict[str, ItemSpec], stored: dict, of_item: Callable[[ItemSpec], object]):
        self._items, self._stored, self._of_item = items, stored, of_item

    def __getitem__(self, key: str):
        if key in self._stored:
            return self._stored[key]
        return self._of_item(self._items[key])

    def __iter__(self):
        yield from self._stored
        yield from self._items

    def __len__(self) -> int:
        return len(self._stored) + len(self._items)


def _percent(obtained: float, possible: float, complete: bool) -> float:
    """Score % of an element; one without marks scores 100% once complete."""
    if possible > 0:
        return 100.0 * obtained / possible
    return 100.0 if complete else 0.0


def _apply_unlocks(outline: Outline, completed: set[str], ctx: RuleContext,
                   result: ProgressResult) -> None:
    """Fill unlocked/locked lists: sequential order, then each element's own rules."""
    sequential = outline.unlock_mode == "sequential"
    previous_item: ItemSpec | None = None  # last required item seen, in course order
    previous_section: SectionSpec | None = None
    previous_lesson: LessonSpec | None = None
    unlocked_items = result.unlocked_items
    for section in outline.sections:
        failures = []
        if sequential and previous_section is not None and not ctx.done[previous_section.id]:
            failures.append({"code": "previous_section_incomplete", "ref": previous_section.id})
        if section.rules:
            failures += rule_evaluate(section.rules, ctx)
        section_lock = _lock(result, "section", section.id, failures)
        for lesson in section.lessons:
            failures = []
            if sequential and previous_lesson is not None and not ctx.done[previous_lesson.id]:
                failures.append({"code": "previous_lesson_incomplete", "ref": previous_lesson.id})
            if lesson.rules:
                failures += rule_evaluate(lesson.rules, ctx)
            if not failures and section_lock is not None:
                failures = [{"code": "section_locked", "ref": section.id}]
            lesson_lock = _lock(result, "lesson", lesson.id, failures)
            lesson_failure = ({"code": "lesson_locked", "ref": lesson.id}
                              if lesson_lock is not None else None)
            for item in lesson.items:
                if not item.optional:
                    before, previous_item = previous_item, item
                else:
                    before = previous_item
                if item.id in completed:
                    # Work already completed stays open even if the outline changed around it.
                    unlocked_items.append(item.id)
                    if item.rules:
                        rule_evaluate(item.rules, ctx)  # still notes when a date condition flips
                    continue
                failures = []
                if sequential and before is not None and before.id not in completed:
                    failures.append({"code": "previous_item_incomplete", "ref": before.id})
                if item.rules:
                    failures += rule_evaluate(item.rules, ctx)
                if not failures and lesson_failure is not None:
                    failures = [dict(lesson_failure)]
                if failures:
                    _lock(result, "item", item.id, failures)
                else:
                    unlocked_items.append(item.id)
                    if result.next_item_id is None:
                        result.next_item_id = item.id
            previous_lesson = lesson
        previous_section = section


def _lock(result: ProgressResult, kind: str, element_id: str,
          failures: list[dict]) -> LockedElement | None:
    """Record the element as unlocked, or as locked with the conditions it fails; return the lock."""
    if not failures:
        getattr(result, f"unlocked_{kind}s").append(element_id)
        return None
    locked = LockedElement(kind, element_id, failures)
    result.locked.append(locked)
    return locked
