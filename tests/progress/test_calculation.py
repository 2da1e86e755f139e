"""Progress calculation as a pure function: completion per kind, optional items, best attempts."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from learning.outline import AttemptFact, ItemSpec, LessonSpec, Outline, SectionSpec
from progress.calculation import item_states, progress_calculate

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _outline(*items: ItemSpec, mode: str = "sequential") -> Outline:
    return Outline("c1", mode, (SectionSpec("S", "Section", (LessonSpec("L", "Lesson", items),)),))


VIDEO = ItemSpec("v", "Video", "video")
ARTICLE = ItemSpec("a", "Article", "article")
QUIZ = ItemSpec("q", "Quiz", "quiz", max_marks=10, pass_marks=6)
QUIZ_NO_PASS = ItemSpec("q0", "Quiz without pass mark", "quiz", max_marks=10)
ASSIGNMENT = ItemSpec("h", "Homework", "assignment", max_marks=20, pass_marks=10)


def _done(outline: Outline, *attempts: AttemptFact) -> dict[str, bool]:
    return {item_id: s.completed for item_id, s in item_states(outline, attempts).items()}


@pytest.mark.parametrize("item", [VIDEO, ARTICLE], ids=["video", "article"])
def test_videos_and_articles_complete_only_when_marked_completed(item):
    outline = _outline(item)
    assert _done(outline) == {item.id: False}
    assert _done(outline, AttemptFact(item.id, None, False)) == {item.id: False}
    assert _done(outline, AttemptFact(item.id, None, True)) == {item.id: True}


@pytest.mark.parametrize(("marks", "complete"), [(5.99, False), (6, True), (10, True), (0, False)])
def test_a_graded_item_completes_at_its_pass_mark(marks, complete):
    assert _done(_outline(QUIZ), AttemptFact("q", marks, False)) == {"q": complete}


def test_a_graded_item_without_pass_mark_completes_with_any_graded_attempt():
    outline = _outline(QUIZ_NO_PASS)
    assert _done(outline) == {"q0": False}
    assert _done(outline, AttemptFact("q0", 0, False)) == {"q0": True}


def test_the_best_attempt_counts_not_the_last():
    outline = _outline(ASSIGNMENT)
    attempts = [AttemptFact("h", 12, False), AttemptFact("h", 18, False), AttemptFact("h", 4, False)]
    result = progress_calculate(outline, attempts, now=NOW)
    assert result.marks_obtained == 18
    assert result.completed_items == 1


def test_marks_above_max_marks_are_capped():
    result = progress_calculate(_outline(QUIZ), [AttemptFact("q", 25, False)], now=NOW)
    assert result.marks_obtained == 10


def test_attempts_on_items_no_longer_in_the_outline_are_ignored():
    result = progress_calculate(_outline(QUIZ), [AttemptFact("gone", 50, True)], now=NOW)
    assert (result.marks_obtained, result.completed_items) == (0, 0)


def test_completion_percent_counts_required_items_and_rounds_to_two_decimals():
    outline = _outline(VIDEO, ARTICLE, QUIZ, mode="open")
    result = progress_calculate(outline, [AttemptFact("v", None, True)], now=NOW)
    assert (result.completed_items, result.total_items, result.completion_percent) == (1, 3, 33.33)
    assert result.marks_total == 10 and not result.is_complete


def test_optional_items_do_not_count_towards_completion():
    optional_quiz = ItemSpec("opt", "Bonus quiz", "quiz", max_marks=5, optional=True)
    outline = _outline(VIDEO, optional_quiz, ARTICLE)
    result = progress_calculate(outline, [AttemptFact("v", None, True), AttemptFact("a", None, True)],
                                now=NOW)
    assert (result.completed_items, result.total_items) == (2, 2)
    assert result.completion_percent == 100.0 and result.is_complete
    # Its marks still count, and the total includes them.
    assert result.marks_total == 5


def test_optional_items_do_not_block_the_next_item_in_sequential_mode():
    optional_video = ItemSpec("opt", "Extra video", "video", optional=True)
    outline = _outline(VIDEO, optional_video, ARTICLE)
    result = progress_calculate(outline, [AttemptFact("v", None, True)], now=NOW)
    assert {"opt", "a"} <= set(result.unlocked_items)
    assert result.next_item_id == "opt"


def test_sequential_mode_opens_one_item_after_another():
    outline = _outline(VIDEO, QUIZ, ASSIGNMENT)
    first = progress_calculate(outline, [], now=NOW)
    assert first.unlocked_items == ["v"] and first.next_item_id == "v"
    assert [e.id for e in first.locked if e.kind == "item"] == ["q", "h"]
    failed_quiz = progress_calculate(outline, [AttemptFact("v", None, True), AttemptFact("q", 4, False)],
                                     now=NOW)
    assert failed_quiz.unlocked_items == ["v", "q"] and failed_quiz.next_item_id == "q"


def test_open_mode_opens_everything():
    result = progress_calculate(_outline(VIDEO, QUIZ, ASSIGNMENT, mode="open"), [], now=NOW)
    assert result.unlocked_items == ["v", "q", "h"] and result.locked == []


def test_an_empty_course_is_not_complete():
    result = progress_calculate(Outline("c1", "sequential", ()), [], now=NOW)
    assert (result.completion_percent, result.total_items, result.is_complete) == (0.0, 0, False)
    assert result.next_item_id is None


def test_everything_done_has_no_next_item():
    outline = _outline(VIDEO, QUIZ)
    result = progress_calculate(outline, [AttemptFact("v", None, True), AttemptFact("q", 7, False)],
                                now=NOW)
    assert result.is_complete and result.next_item_id is None and result.completion_percent == 100.0


def test_completed_at_keeps_the_first_time_the_course_reached_100_percent():
    from progress.services import progress_store

    course_id = str(ObjectId())
    outline = _outline(VIDEO)
    complete = progress_calculate(outline, [AttemptFact("v", None, True)], now=NOW)
    incomplete = progress_calculate(outline, [], now=NOW)
    first = progress_store(user_id=1, course_id=course_id, result=complete, version=1, outline_version=1,
                           computed_at=NOW)
    assert first["completed_at"].replace(tzinfo=UTC) == NOW
    later = NOW + timedelta(days=1)
    again = progress_store(user_id=1, course_id=course_id, result=complete, version=2, outline_version=1,
                           computed_at=later)
    assert again["completed_at"].replace(tzinfo=UTC) == NOW
    # Falling below 100% (a new item) keeps the date the learner first finished.
    after_change = progress_store(user_id=1, course_id=course_id, result=incomplete, version=3,
                                  outline_version=2, computed_at=later)
    assert after_change["completed_at"].replace(tzinfo=UTC) == NOW
    assert after_change["completion_percent"] == 0.0


def test_an_older_computation_never_overwrites_a_newer_one():
    from progress.services import progress_store

    course_id = str(ObjectId())
    outline = _outline(VIDEO)
    done = progress_calculate(outline, [AttemptFact("v", None, True)], now=NOW)
    assert progress_store(user_id=1, course_id=course_id, result=done, version=5, outline_version=1,
                          computed_at=NOW) is not None
    stale = progress_calculate(outline, [], now=NOW)
    assert progress_store(user_id=1, course_id=course_id, result=stale, version=4, outline_version=1,
                          computed_at=NOW) is None
