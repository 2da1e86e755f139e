"""Unlock rules as pure functions: every rule type, its reason text, and groups of conditions."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from learning.outline import AttemptFact, ItemSpec, LessonSpec, Outline, SectionSpec
from progress.calculation import progress_calculate
from progress.reasons import locked_render

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _outline(*, mode: str = "open", item_rules: dict | None = None, lesson_rules: dict | None = None,
             section_rules: dict | None = None) -> Outline:
    """Section A (lesson A1: video v1, quiz q1 /10) and section B (lesson B1: article a1, quiz q2)."""
    item_rules = item_rules or {}
    lesson_rules = lesson_rules or {}
    section_rules = section_rules or {}

    def item(item_id, title, kind, max_marks=0.0, pass_marks=None):
        return ItemSpec(item_id, title, kind, max_marks, pass_marks, rules=item_rules.get(item_id, {}))

    return Outline("c1", mode, (
        SectionSpec("A", "Basics", (
            LessonSpec("A1", "Variables", (item("v1", "Watch", "video"),
                                           item("q1", "Quiz 1", "quiz", 10, 5)),
                       rules=lesson_rules.get("A1", {})),), rules=section_rules.get("A", {})),
        SectionSpec("B", "Loops", (
            LessonSpec("B1", "For", (item("a1", "Read", "article"),
                                     item("q2", "Quiz 2", "quiz", 10)),
                       rules=lesson_rules.get("B1", {})),), rules=section_rules.get("B", {})),
    ))


def _locked(result, element_id) -> SimpleNamespace | None:
    """The element's lock as the API words it (every outline here has the same titles)."""
    shown = locked_render([e.as_dict() for e in result.locked], _outline())
    return next((SimpleNamespace(**e) for e in shown if e["id"] == element_id), None)


def test_prerequisite_item_must_be_completed_first():
    outline = _outline(item_rules={"a1": {"completed": "q1"}})
    result = progress_calculate(outline, [], now=NOW)
    locked = _locked(result, "a1")
    assert (locked.code, locked.reason) == ("prerequisite", "Complete 'Quiz 1'")
    done = progress_calculate(outline, [AttemptFact("q1", 5, False)], now=NOW)
    assert "a1" in done.unlocked_items


def test_prerequisite_with_minimum_score_needs_that_percentage():
    outline = _outline(item_rules={"a1": {"completed": "q1", "min_score_percent": 60}})
    passed_low = progress_calculate(outline, [AttemptFact("q1", 5, False)], now=NOW)
    locked = _locked(passed_low, "a1")
    assert (locked.code, locked.reason) == ("prerequisite_score", "Complete 'Quiz 1' with at least 60%")
    passed_high = progress_calculate(outline, [AttemptFact("q1", 5, False), AttemptFact("q1", 6, False)],
                                     now=NOW)
    assert "a1" in passed_high.unlocked_items


def test_prerequisite_on_a_lesson_needs_all_its_required_items():
    outline = _outline(section_rules={"B": {"completed": "A1"}})
    partial = progress_calculate(outline, [AttemptFact("v1", None, True)], now=NOW)
    assert _locked(partial, "B").reason == "Complete 'Variables'"
    # Items of a locked section say why through their container.
    assert _locked(partial, "a1").reason == "The lesson 'For' is locked: The section 'Loops' is locked: Complete 'Variables'"
    full = progress_calculate(outline, [AttemptFact("v1", None, True), AttemptFact("q1", 7, False)],
                              now=NOW)
    assert {"B", "B1", "a1", "q2"} <= set(full.unlocked_sections + full.unlocked_lessons + full.unlocked_items)


def test_available_from_opens_at_that_moment_and_says_when():
    outline = _outline(lesson_rules={"B1": {"available_from": "2026-12-01T00:00:00Z"}})
    before = progress_calculate(outline, [], now=NOW)
    locked = _locked(before, "B1")
    assert (locked.code, locked.reason) == ("available_from", "Opens on 2026-12-01")
    assert before.valid_until == datetime(2026, 12, 1, tzinfo=UTC)
    after = progress_calculate(outline, [], now=datetime(2026, 12, 1, tzinfo=UTC))
    assert "B1" in after.unlocked_lessons and after.valid_until is None


def test_available_from_with_a_time_shows_the_time():
    outline = _outline(item_rules={"q2": {"available_from": "2026-12-01T14:30:00Z"}})
    assert _locked(progress_calculate(outline, [], now=NOW), "q2").reason == "Opens on 2026-12-01 14:30 UTC"


def test_available_after_days_counts_from_enrollment():
    outline = _outline(section_rules={"B": {"available_after_days": 7}})
    enrolled = NOW - timedelta(days=3)
    locked = _locked(progress_calculate(outline, [], now=NOW, enrolled_at=enrolled), "B")
    assert (locked.code, locked.reason) == ("available_after_days", "Opens on 2026-12-02 12:00 UTC")
    opened = progress_calculate(outline, [], now=NOW + timedelta(days=4), enrolled_at=enrolled)
    assert "B" in opened.unlocked_sections


def test_all_group_lists_every_unmet_condition():
    rule = {"all": [{"completed": "v1"}, {"available_from": "2026-12-01T00:00:00Z"}]}
    locked = _locked(progress_calculate(_outline(item_rules={"a1": rule}), [], now=NOW), "a1")
    assert locked.reason == "Complete 'Watch'; Opens on 2026-12-01"
    assert [c["code"] for c in locked.conditions] == ["prerequisite", "available_from"]


def test_any_group_opens_when_one_condition_holds():
    rule = {"any": [{"completed": "q1"}, {"completed": "v1"}]}
    outline = _outline(item_rules={"a1": rule})
    locked = _locked(progress_calculate(outline, [], now=NOW), "a1")
    assert (locked.code, locked.reason) == ("any_of", "One of: Complete 'Quiz 1'; or Complete 'Watch'")
    assert "a1" in progress_calculate(outline, [AttemptFact("v1", None, True)], now=NOW).unlocked_items


def test_rules_add_to_sequential_order():
    outline = _outline(mode="sequential", item_rules={"q1": {"available_from": "2026-12-01T00:00:00Z"}})
    result = progress_calculate(outline, [AttemptFact("v1", None, True)], now=NOW)
    assert _locked(result, "q1").reason == "Opens on 2026-12-01"
    nothing_done = progress_calculate(outline, [], now=NOW)
    assert _locked(nothing_done, "q1").reason == "Complete 'Watch' first; Opens on 2026-12-01"


def test_sequential_sections_wait_for_the_previous_section():
    result = progress_calculate(_outline(mode="sequential"), [AttemptFact("v1", None, True)], now=NOW)
    assert _locked(result, "B").reason == "Complete the section 'Basics' first"
    assert _locked(result, "B1").reason == "Complete the lesson 'Variables' first"
