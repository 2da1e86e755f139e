"""Pure progress calculation: completion, marks and sequential unlocks, with no I/O."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from learning.outline import AttemptFact, ItemSpec, Outline


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

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"type": self.kind, "id": self.id, "title": self.title, "code": self.code,
                "reason": self.reason}


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


def progress_calculate(outline: Outline, attempts: Iterable[AttemptFact]) -> ProgressResult:
    """Compute completion %, marks and unlocks for one learner in one course."""
    states = item_states(outline, attempts)
    required = [item for item in outline.items() if not item.optional]
    completed_required = sum(1 for item in required if states[item.id].completed)
    marks_total = sum(item.max_marks for item in outline.items())
    marks_obtained = sum(s.best_marks for s in states.values() if s.best_marks is not None)
    total = len(required)
    percent = round(100.0 * completed_required / total, 2) if total else 0.0
    result = ProgressResult(
        completion_percent=percent,
        completed_items=completed_required,
        total_items=total,
        marks_obtained=round(marks_obtained, 2),
        marks_total=round(marks_total, 2),
        completed_item_ids=[item_id for item_id, s in states.items() if s.completed],
        is_complete=total > 0 and completed_required == total,
    )
    _apply_unlocks(outline, states, result)
    return result


def _apply_unlocks(outline: Outline, states: dict[str, ItemState], result: ProgressResult) -> None:
    """Fill unlocked/locked lists: sequential order gates sections, lessons and items."""
    sequential = outline.unlock_mode == "sequential"
    previous_item: ItemSpec | None = None  # last required item seen, in course order
    previous_section_done = True
    previous_section_title = ""
    previous_lesson_done = True
    previous_lesson_title = ""
    for section in outline.sections:
        section_open = not sequential or previous_section_done
        if section_open:
            result.unlocked_sections.append(section.id)
        else:
            result.locked.append(LockedElement(
                "section", section.id, section.title, "previous_section_incomplete",
                f"Complete the section '{previous_section_title}' first"))
        section_done = True
        for lesson in section.lessons:
            lesson_open = section_open and (not sequential or previous_lesson_done)
            if lesson_open:
                result.unlocked_lessons.append(lesson.id)
            else:
                result.locked.append(LockedElement(
                    "lesson", lesson.id, lesson.title, "previous_lesson_incomplete",
                    f"Complete the lesson '{previous_lesson_title}' first"))
            lesson_done = True
            for item in lesson.items:
                done = states[item.id].completed
                previous_done = previous_item is None or states[previous_item.id].completed
                # Work already completed stays open even if the outline changed around it.
                item_open = done or (lesson_open and (not sequential or previous_done))
                if item_open:
                    result.unlocked_items.append(item.id)
                    if not done and result.next_item_id is None:
                        result.next_item_id = item.id
                else:
                    blocker = previous_item if not previous_done else None
                    result.locked.append(_locked_item(item, blocker, lesson_open))
                if not item.optional:
                    lesson_done = lesson_done and done
                    previous_item = item
            previous_lesson_done, previous_lesson_title = lesson_done, lesson.title
            section_done = section_done and lesson_done
        previous_section_done, previous_section_title = section_done, section.title


def _locked_item(item: ItemSpec, blocker: ItemSpec | None, lesson_open: bool) -> LockedElement:
    """Explain why an item is locked: an earlier item to complete, or its lesson is locked."""
    if blocker is not None:
        return LockedElement("item", item.id, item.title, "previous_item_incomplete",
                             f"Complete '{blocker.title}' first")
    return LockedElement("item", item.id, item.title, "lesson_locked",
                         "Its lesson is not unlocked yet")
