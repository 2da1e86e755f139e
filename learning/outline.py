"""Plain, immutable views of a course outline and of attempts, for pure calculations."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One content item as the calculations see it."""

    id: str
    title: str
    kind: str
    max_marks: float = 0.0
    pass_marks: float | None = None
    optional: bool = False
    rules: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LessonSpec:
    """One lesson and its items in order."""

    id: str
    title: str
    items: tuple[ItemSpec, ...]
    rules: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One section and its lessons in order."""

    id: str
    title: str
    lessons: tuple[LessonSpec, ...]
    rules: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outline:
    """A course outline: sections → lessons → items, in order."""

    course_id: str
    unlock_mode: str
    sections: tuple[SectionSpec, ...]
    version: int = 1
    # True when a rule counts days since enrollment, so the enrollment date must be read.
    needs_enrollment_date: bool = False
    # Built once with the outline (which is cached per course and outline version), so each
    # calculation does not rebuild them.
    item_order: tuple[ItemSpec, ...] = field(default=(), init=False, repr=False, compare=False)
    item_index: dict[str, ItemSpec] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)

    def __post_init__(self) -> None:
        order = tuple(item for s in self.sections for lesson in s.lessons for item in lesson.items)
        object.__setattr__(self, "item_order", order)
        object.__setattr__(self, "item_index", {item.id: item for item in order})

    def items(self) -> list[ItemSpec]:
        """Every item in course order."""
        return list(self.item_order)


@dataclass(frozen=True, slots=True)
class AttemptFact:
    """What one attempt tells the calculations."""

    item_id: str
    marks: float | None
    completed: bool
    submitted_at: datetime | None = None
