"""The course outline as one immutable tree (sections → lessons → items), and its one walker.

Every reader of an outline (progress, leaderboards, analytics, the API, the admin) works on this
tree, parsed once per course and outline version from the stored document. Writes build it from
validated API data (`outline_from_payload`) and store it back (`outline_to_document`).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ClassVar, NamedTuple

from bson import ObjectId

from learning.grading import GradingError, grading_members, grading_normalize
from learning.policy import AttemptPolicy
from learning.rules import RuleError, rule_mentions_enrollment, rule_normalize


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """A multiple-choice question with its answer key."""

    prompt: str
    choices: tuple[str, ...]
    answer: int
    marks: float


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """One content item; its order is its position in its lesson."""

    element_type: ClassVar[str] = "item"
    id: str
    title: str
    kind: str
    max_marks: float = 0.0
    pass_marks: float | None = None
    optional: bool = False
    rules: dict = field(default_factory=dict)
    key: str | None = None
    questions: tuple[QuestionSpec, ...] = ()
    due_at: str | None = None  # "2026-12-01T00:00:00Z"
    due_after_days: int | None = None  # due this many days after the learner enrolled
    attempt_policy: dict = field(default_factory=dict)  # the item's own overrides of the course's


@dataclass(frozen=True, slots=True)
class LessonSpec:
    """One lesson and its items in order."""

    element_type: ClassVar[str] = "lesson"
    id: str
    title: str
    items: tuple[ItemSpec, ...]
    rules: dict = field(default_factory=dict)
    key: str | None = None


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One section and its lessons in order."""

    element_type: ClassVar[str] = "section"
    id: str
    title: str
    lessons: tuple[LessonSpec, ...]
    rules: dict = field(default_factory=dict)
    key: str | None = None


Element = SectionSpec | LessonSpec | ItemSpec


class ItemPlace(NamedTuple):
    """An item where it sits: its section, its lesson and its position ("2.1.3")."""

    section: SectionSpec
    lesson: LessonSpec
    item: ItemSpec
    position: str


@dataclass(frozen=True, slots=True)
class Outline:
    """A course outline: sections → lessons → items, in order."""

    course_id: str
    unlock_mode: str
    sections: tuple[SectionSpec, ...]
    version: int = 1
    attempt_policy: dict = field(default_factory=dict)  # the course's default for its items
    grading: dict = field(default_factory=dict)  # learning.grading, normalised ({}: no grade)
    late_policy: dict = field(default_factory=dict)  # learning.policy.LatePolicy, as stored
    # Built once with the outline (which is cached per course and outline version), so each
    # calculation does not rebuild them.
    item_order: tuple[ItemSpec, ...] = field(default=(), init=False, repr=False, compare=False)
    item_index: dict[str, ItemSpec] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)
    # Every element's title by id (what reasons and reports name elements by).
    title_index: dict[str, str] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)
    # True when a rule counts days since enrollment, so the enrollment date must be read.
    needs_enrollment_date: bool = field(default=False, init=False, compare=False)
    # Each item's attempt policy: the course's default with the item's overrides on top.
    policy_index: dict[str, AttemptPolicy] = field(default_factory=dict, init=False, repr=False,
                                                   compare=False)
    # Each grading category's graded items, by category name.
    grade_members: dict[str, list] = field(default_factory=dict, init=False, repr=False,
                                           compare=False)

    def __post_init__(self) -> None:
        order = tuple(item for s in self.sections for lesson in s.lessons for item in lesson.items)
        object.__setattr__(self, "item_order", order)
        object.__setattr__(self, "item_index", {item.id: item for item in order})
        object.__setattr__(self, "title_index", {e.id: e.title for e in self.elements()})
        default = AttemptPolicy().overridden(self.attempt_policy)
        object.__setattr__(self, "policy_index", {item.id: default.overridden(item.attempt_policy)
                                                  for item in order})
        object.__setattr__(self, "grade_members", grading_members(
            self.grading, items=order, sections=self.section_items()))
        object.__setattr__(self, "needs_enrollment_date",
                           any(rule_mentions_enrollment(e.rules) for e in self.elements())
                           or any(item.due_after_days is not None for item in order))

    def elements(self) -> Iterator[Element]:
        """Every section, lesson and item in course order (each section before its lessons)."""
        for section in self.sections:
            yield section
            for lesson in section.lessons:
                yield lesson
                yield from lesson.items

    def walk(self) -> Iterator[ItemPlace]:
        """Every item with its section, its lesson and its position, in course order."""
        for s_pos, section in enumerate(self.sections, 1):
            for l_pos, lesson in enumerate(section.lessons, 1):
                for i_pos, item in enumerate(lesson.items, 1):
                    yield ItemPlace(section, lesson, item, f"{s_pos}.{l_pos}.{i_pos}")

    def items(self) -> list[ItemSpec]:
        """Every item in course order."""
        return list(self.item_order)

    def section_items(self) -> dict[str, list[ItemSpec]]:
        """Each section's items in order, by section id."""
        return {s.id: [item for lesson in s.lessons for item in lesson.items] for s in self.sections}

    @property
    def marks_total(self) -> float:
        """What a learner can score in the course: every item's max_marks."""
        return sum(item.max_marks for item in self.item_order)


@dataclass(frozen=True, slots=True)
class AttemptFact:
    """What one attempt tells the calculations."""

    item_id: str
    marks: float | None
    completed: bool
    submitted_at: datetime | None = None


# --- Stored form ------------------------------------------------------------------------------

def outline_from_document(raw: dict) -> Outline:
    """The outline of a stored course document (raw MongoDB dict)."""
    return Outline(
        course_id=str(raw.get("_id", "")),
        unlock_mode=raw.get("unlock_mode", "sequential"),
        version=raw.get("outline_version", 1),
        attempt_policy=raw.get("attempt_policy") or {},
        grading=raw.get("grading") or {},
        late_policy=raw.get("late_policy") or {},
        sections=tuple(
            SectionSpec(id=str(s["id"]), key=s.get("key"), title=s["title"], rules=s.get("rules") or {},
                        lessons=tuple(
                            LessonSpec(id=str(lesson["id"]), key=lesson.get("key"),
                                       title=lesson["title"], rules=lesson.get("rules") or {},
                                       items=tuple(_item_from_document(i)
                                                   for i in lesson.get("items", ())))
                            for lesson in s.get("lessons", ())))
            for s in raw.get("sections", ())
        ),
    )


def _item_from_document(item: dict) -> ItemSpec:
    return ItemSpec(
        id=str(item["id"]), key=item.get("key"), title=item["title"], kind=item["kind"],
        max_marks=float(item.get("max_marks") or 0), pass_marks=item.get("pass_marks"),
        optional=bool(item.get("optional", False)), rules=item.get("rules") or {},
        questions=tuple(QuestionSpec(q["prompt"], tuple(q["choices"]), q["answer"], q["marks"])
                        for q in item.get("questions", ())),
        due_at=item.get("due_at"), due_after_days=item.get("due_after_days"),
        attempt_policy=item.get("attempt_policy") or {},
    )


def outline_to_document(outline: Outline) -> list[dict]:
    """The `sections` value stored in the course document."""
    def base(element: Element) -> dict:
        doc = {"id": ObjectId(element.id), "title": element.title, "rules": element.rules}
        if element.key:
            doc["key"] = element.key
        return doc

    def item_doc(item: ItemSpec) -> dict:
        doc = {**base(item), "kind": item.kind, "max_marks": item.max_marks,
               "pass_marks": item.pass_marks, "optional": item.optional}
        if item.due_at:
            doc["due_at"] = item.due_at
        if item.due_after_days is not None:
            doc["due_after_days"] = item.due_after_days
        if item.attempt_policy:
            doc["attempt_policy"] = item.attempt_policy
        if item.questions:
            doc["questions"] = [{"prompt": q.prompt, "choices": list(q.choices),
                                 "answer": q.answer, "marks": q.marks} for q in item.questions]
        return doc

    return [{**base(s), "lessons": [{**base(lesson), "items": [item_doc(i) for i in lesson.items]}
                                    for lesson in s.lessons]}
            for s in outline.sections]


# --- From API data ------------------------------------------------------------------------------

class OutlineError(ValueError):
    """Outline data that cannot be stored; `code` says why (a 400 for the client)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def payload_elements(sections: list[dict]) -> Iterator[dict]:
    """Every section, lesson and item of outline data as the API receives it, in course order."""
    for section in sections:
        yield section
        for lesson in section.get("lessons", ()):
            yield lesson
            yield from lesson.get("items", ())


def outline_from_payload(*, course_id: str, unlock_mode: str, version: int, sections: list[dict],
                         known_ids: set[str], attempt_policy: dict | None = None) -> Outline:
    """Build an outline from validated API data: elements sent with an id keep it (it must be
    one of `known_ids`), the others get a new one; rules are checked and refer to ids."""
    refs: dict[str, str] = {}
    ids: dict[int, str] = {}  # id(payload element) -> its element id

    def assign(element: dict) -> None:
        given = element.get("id")
        if given is not None and given.lower() not in known_ids:
            raise OutlineError(f"Unknown id {given}: ids must belong to this course.",
                               code="unknown_id")
        element_id = given.lower() if given else str(ObjectId())
        ids[id(element)] = element_id
        refs[element_id] = element_id
        if element.get("key"):
            refs[element["key"]] = element_id

    for element in payload_elements(sections):
        assign(element)

    def rules(element: dict, what: str) -> dict:
        try:
            return rule_normalize(element.get("rules"), resolve=refs.get,
                                  where=f"{what} '{element['title']}'")
        except RuleError as exc:
            raise OutlineError(str(exc), code="invalid_rule") from exc

    def common(element: dict, what: str) -> dict:
        return {"id": ids[id(element)], "key": element.get("key") or None,
                "title": element["title"], "rules": rules(element, what)}

    return Outline(
        course_id=course_id, unlock_mode=unlock_mode, version=version,
        attempt_policy=attempt_policy or {},
        sections=tuple(
            SectionSpec(**common(s, "section"), lessons=tuple(
                LessonSpec(**common(lesson, "lesson"), items=tuple(
                    ItemSpec(**common(item, "item"), kind=item["kind"],
                             max_marks=float(item.get("max_marks") or 0.0),
                             pass_marks=item.get("pass_marks"),
                             optional=item.get("optional", False),
                             due_at=item.get("due_at"),
                             due_after_days=item.get("due_after_days"),
                             attempt_policy=item.get("attempt_policy") or {},
                             questions=tuple(QuestionSpec(q["prompt"], tuple(q["choices"]),
                                                          q["answer"], q["marks"])
                                             for q in item.get("questions", ())))
                    for item in lesson.get("items", ())))
                for lesson in s.get("lessons", ())))
            for s in sections),
    )



def outline_with_course_policies(outline: Outline, *, grading: dict | None,
                                 late_policy: dict | None) -> Outline:
    """The outline with the course's grading (checked, section refs made ids) and late policy."""
    refs = {element.id: element.id for element in outline.elements()}
    refs.update({element.key: element.id for element in outline.elements() if element.key})
    try:
        normalized = grading_normalize(grading, items=outline.items(),
                                       sections=outline.section_items(), resolve=refs.get)
    except GradingError as exc:
        raise OutlineError(str(exc), code="invalid_grading") from exc
    return replace(outline, grading=normalized, late_policy=late_policy or {})
