"""A learner's attempt history: newest first, filtered, paged, corrections merged, marks per policy."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from learning.documents import ContentAttempt
from tests.api.conftest import assert_error, token_client

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _history(world, client, **query) -> dict:
    response = client.get(world.course + "attempts/", query)
    assert response.status_code == 200, response.content
    return response.json()


def _kinds(body: dict) -> list[tuple[str, str | None]]:
    return [(entry["type"], entry["kind"]) for entry in body["results"]]


def _watch(world, client, item_id: str) -> dict:
    return world.attempt(client, {"content_id": item_id, "completed": True})


def test_a_learner_reads_their_own_attempts_newest_first_in_pages_with_the_count(world):
    video = _watch(world, world.ada, world.video)
    first = world.quiz1_attempt(world.ada, right=1)
    second = world.quiz1_attempt(world.ada, right=2)
    world.quiz1_attempt(world.bob, right=2)  # someone else's: never in ada's history

    body = _history(world, world.ada)
    assert body["count"] == 3
    assert [e["id"] for e in body["results"]] == [second["attempt_id"], first["attempt_id"],
                                                  video["attempt_id"]]
    newest = body["results"][0]
    assert (newest["type"], newest["content_id"], newest["kind"], newest["marks"],
            newest["answers"], newest["marks_hidden"], newest["late"]) == \
        ("attempt", world.quiz1, "quiz", 10, [1, 0], False, False)
    assert body["results"][2]["completed"] is True and body["results"][2]["marks"] is None

    pages = [_history(world, world.ada, limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [p["count"] for p in pages] == [3, 3, 3]
    assert [e["id"] for p in pages for e in p["results"]] == [e["id"] for e in body["results"]]
    assert pages[2]["results"] == []


def test_filters_by_item_kind_and_since(world):
    _watch(world, world.ada, world.video)
    world.quiz1_attempt(world.ada, right=1)
    world.grade(world.ada_id, 15)
    assert [e["content_id"] for e in _history(world, world.ada, content_id=world.quiz1)["results"]] \
        == [world.quiz1]
    graded = _history(world, world.ada, kind="assignment")
    assert graded["count"] == 1 and graded["results"][0]["marks"] == 15
    assert graded["results"][0]["by"] == world.staff_id

    later = datetime.now(UTC) + timedelta(seconds=1)
    assert _history(world, world.ada, since=later.isoformat())["count"] == 0
    earlier = datetime.now(UTC) - timedelta(hours=1)
    assert _history(world, world.ada, since=earlier.isoformat())["count"] == 3


def test_staff_read_any_learners_history_and_learners_only_their_own(world, make_user):
    world.quiz1_attempt(world.bob, right=2)
    assert _history(world, world.staff, user_id=world.bob_id)["count"] == 1
    assert _history(world, world.staff)["count"] == 0  # staff's own: none
    assert_error(world.ada.get(world.course + "attempts/", {"user_id": world.bob_id}), 403,
                 "staff_only")
    outsider = token_client(make_user("cy"))
    assert_error(outsider.get(world.course + "attempts/"), 403, "not_enrolled")


@pytest.mark.parametrize("query", [{"kind": "podcast"}, {"since": "yesterday"},
                                   {"content_id": "xyz"}, {"limit": 0}, {"limit": 501},
                                   {"offset": -1}, {"user_id": "me"}, {"since": ""}])
def test_bad_filters_answer_400(world, query):
    assert_error(world.ada.get(world.course + "attempts/", query), 400)


def test_overrides_and_resets_are_merged_in_by_time_and_page_like_attempts(world):
    quiz = world.quiz1_attempt(world.ada, right=2)
    time.sleep(0.01)
    set_ = world.staff.post(world.course + "overrides/", {
        "user_id": world.ada_id, "content_id": world.quiz1, "marks": 3,
        "reason": "Copied answers."}, format="json").json()
    time.sleep(0.01)
    video = _watch(world, world.ada, world.video)
    time.sleep(0.01)
    removed = world.staff.post(world.course + "overrides/remove/", {
        "user_id": world.ada_id, "content_id": world.quiz1, "reason": "Appeal upheld."},
        format="json").json()

    body = _history(world, world.ada)
    assert [(e["type"], e["id"]) for e in body["results"]] == [
        ("override", removed["id"]), ("attempt", video["attempt_id"]),
        ("override", set_["id"]), ("attempt", quiz["attempt_id"])]
    assert body["count"] == 4
    assert (body["results"][2]["action"], body["results"][2]["marks"],
            body["results"][2]["reason"], body["results"][2]["by"], body["results"][2]["kind"]) \
        == ("set", 3, "Copied answers.", world.staff_id, "quiz")
    # Any page size gives the same sequence, corrections included.
    for size in (1, 3):
        paged = [e["id"] for offset in range(0, 4, size)
                 for e in _history(world, world.ada, limit=size, offset=offset)["results"]]
        assert paged == [e["id"] for e in body["results"]]
    # Filters apply to corrections too: the video has none, the quiz both changes.
    assert _kinds(_history(world, world.ada, content_id=world.video)) == [("attempt", "video")]
    quizzes = _history(world, world.ada, kind="quiz")
    assert _kinds(quizzes) == [("override", "quiz"), ("override", "quiz"), ("attempt", "quiz")]
    assert quizzes["count"] == 3

    reset = world.staff.post(world.course + f"learners/{world.ada_id}/reset/",
                             {"reason": "Starts again."}, format="json")
    assert reset.status_code == 202, reset.content
    after = _history(world, world.ada)
    # The reset archived the attempts: the history shows the reset and the corrections kept.
    assert after["results"][0]["type"] == "reset"
    assert after["results"][0]["archived_attempts"] == 2
    assert after["results"][0]["reason"] == "Starts again."
    assert [e["type"] for e in after["results"]].count("attempt") == 0
    assert _history(world, world.ada, kind="quiz")["results"][0]["type"] == "override"


def test_a_learner_sees_no_marks_the_items_policy_hides_staff_see_them(world):
    changed = world.staff.patch(world.course, {"attempt_policy": {"reveal_marks": "never"}},
                                format="json")
    assert changed.status_code == 200, changed.content
    world.quiz1_attempt(world.ada, right=2)
    world.staff.post(world.course + "overrides/", {
        "user_id": world.ada_id, "content_id": world.quiz1, "marks": 7, "reason": "Regraded."},
        format="json")
    _watch(world, world.ada, world.video)

    mine = _history(world, world.ada)["results"]
    assert [(e["type"], e["marks"], e["marks_hidden"]) for e in mine] == [
        ("attempt", None, True), ("override", None, True), ("attempt", None, True)]
    assert mine[1]["previous_marks"] is None and mine[1]["reason"] == "Regraded."
    staff_view = _history(world, world.staff, user_id=world.ada_id)["results"]
    assert [(e["type"], e["marks"], e["marks_hidden"]) for e in staff_view] == [
        ("attempt", None, False), ("override", 7, False), ("attempt", 10, False)]


def test_the_history_query_has_an_index_newest_first_per_learner_and_course():
    keys = [tuple(spec["key"]) for spec in ContentAttempt._get_collection().index_information()
            .values()]
    assert (("course_id", 1), ("user_id", 1), ("submitted_at", -1)) in keys
