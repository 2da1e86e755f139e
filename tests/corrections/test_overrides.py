"""Staff override a learner's marks on an item: progress, grade and boards follow; history kept."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app as celery_app
from leaderboard.aggregation import learner_scores_aggregate, scores_aggregate
from leaderboard.scoring import ALL_TIME
from leaderboard.services import leaderboard_drift_check
from leaderboard.windows import current_week
from learning.correction_documents import MarkOverride
from learning.documents import AttemptSummary
from learning.selectors import course_item_get, course_outline_get
from learning.services.corrections import override_apply, override_change_store
from tests.api.conftest import assert_error, token_client
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

REASON = "Reviewed by the course team."


def _item(progress: dict, item_id: str) -> dict:
    return next(item for item in progress["items"] if item["id"] == item_id)


def _override(world, user_id: int, item_id: str, marks: float, reason: str = REASON) -> dict:
    response = world.staff.post(world.course + "overrides/",
                                {"user_id": user_id, "content_id": item_id, "marks": marks,
                                 "reason": reason}, format="json")
    assert response.status_code == 202, response.content
    return response.json()


def _remove(world, user_id: int, item_id: str, reason: str = "Appeal upheld.") -> dict:
    response = world.staff.post(world.course + "overrides/remove/",
                                {"user_id": user_id, "content_id": item_id, "reason": reason},
                                format="json")
    assert response.status_code == 202, response.content
    return response.json()


def test_an_override_that_lowers_marks_shows_on_progress_grade_and_boards(world):
    world.quiz1_attempt(world.ada, right=2)  # 10
    world.quiz1_attempt(world.bob, right=1)  # 5
    world.board_becomes([(world.ada_id, 10), (world.bob_id, 5)])
    before = world.settled(world.ada, lambda p: p["marks_obtained"] == 10)
    assert _item(before, world.quiz1)["passed"] is True and before["grade_percent"] == 29.41

    change = _override(world, world.ada_id, world.quiz1, 2)
    assert (change["action"], change["marks"], change["previous_marks"], change["reason"],
            change["changed_by"], change["pending"]) == ("set", 2, None, REASON, world.staff_id,
                                                        False)

    after = world.settled(world.ada, lambda p: p["marks_obtained"] == 2)
    quiz = _item(after, world.quiz1)
    assert (quiz["best_marks"], quiz["overridden"], quiz["passed"], quiz["completed"]) == \
        (2, True, False, False)  # below the pass mark (6): no longer completed
    assert after["completed_items"] == 0 and after["grade_percent"] == 5.88  # 2 of 34
    assert _item(after, world.video)["overridden"] is False
    world.board_becomes([(world.bob_id, 5), (world.ada_id, 2)])
    world.board_becomes([(world.bob_id, 5), (world.ada_id, 2)], window="week")

    # A better attempt afterwards does not lift the marks staff set: the override holds.
    world.quiz1_attempt(world.ada, right=2)
    again = world.settled(world.ada, lambda p: _item(p, world.quiz1)["attempts"] == 2)
    assert again["marks_obtained"] == 2
    assert world.board() == [(world.bob_id, 5), (world.ada_id, 2)]

    # The board written learner by learner is what a rebuild from MongoDB gives.
    assert leaderboard_drift_check(course_id=world.course_id, sample=10)["differed"] == 0
    rebuilt = world.staff.post(world.course + "leaderboard/rebuild/")
    assert rebuilt.status_code == 202
    wait_until(lambda: world.board() == [(world.bob_id, 5), (world.ada_id, 2)])


def test_an_override_that_raises_marks_completes_the_item_for_a_learner_without_attempts(world):
    _override(world, world.ada_id, world.homework, 20)
    progress = world.settled(world.ada, lambda p: p["marks_obtained"] == 20)
    homework = _item(progress, world.homework)
    assert (homework["completed"], homework["passed"], homework["attempts"]) == (True, True, 0)
    world.board_becomes([(world.ada_id, 20)])


def test_removing_the_override_brings_the_best_attempt_back(world):
    world.quiz1_attempt(world.ada, right=1)
    world.quiz1_attempt(world.ada, right=2)  # the best: 10
    _override(world, world.ada_id, world.quiz1, 3)
    world.settled(world.ada, lambda p: p["marks_obtained"] == 3)
    world.board_becomes([(world.ada_id, 3)])

    removal = _remove(world, world.ada_id, world.quiz1)
    assert (removal["action"], removal["marks"], removal["previous_marks"]) == ("removed", None, 3)
    progress = world.settled(world.ada, lambda p: p["marks_obtained"] == 10)
    assert _item(progress, world.quiz1)["overridden"] is False
    world.board_becomes([(world.ada_id, 10)])
    summary = AttemptSummary._get_collection().find_one({"user_id": world.ada_id})
    assert summary["overrides"] == {} and summary["best_marks"][world.quiz1] == 10


def test_every_change_is_kept_and_the_latest_is_in_force(world):
    world.quiz1_attempt(world.ada, right=2)
    _override(world, world.ada_id, world.quiz1, 2, "First review.")
    _override(world, world.ada_id, world.quiz1, 7, "Second review.")
    in_force = world.staff.get(world.course + "overrides/", {"user_id": world.ada_id}).json()
    assert in_force["count"] == 1
    assert [(o["content_id"], o["marks"], o["reason"]) for o in in_force["results"]] == [
        (world.quiz1, 7, "Second review.")]
    _remove(world, world.ada_id, world.quiz1, "Appeal upheld.")

    history = world.staff.get(world.course + "overrides/changes/",
                              {"user_id": world.ada_id}).json()
    assert history["count"] == 3
    assert [(c["action"], c["marks"], c["previous_marks"], c["reason"])
            for c in history["results"]] == [
        ("removed", None, 7, "Appeal upheld."), ("set", 7, 2, "Second review."),
        ("set", 2, None, "First review.")]
    revisions = [c["revision"] for c in history["results"]]
    assert revisions == sorted(revisions, reverse=True)
    assert world.staff.get(world.course + "overrides/").json()["count"] == 0
    world.settled(world.ada, lambda p: p["marks_obtained"] == 10)

    # The learner sees their own corrections, reasons included, and only theirs.
    own = world.ada.get(world.course + "overrides/changes/").json()
    assert own["count"] == 3 and {c["user_id"] for c in own["results"]} == {world.ada_id}
    assert world.bob.get(world.course + "overrides/changes/").json()["count"] == 0


def test_an_override_applied_out_of_order_ends_on_the_latest_change(world):
    """Two staff changes whose follow-ups run in the wrong order: the summary copies from the
    history, guarded by revision, so the later change wins whichever is applied last."""
    world.quiz1_attempt(world.ada, right=2)
    _override(world, world.ada_id, world.quiz1, 2)
    _override(world, world.ada_id, world.quiz1, 7)
    assert override_apply(user_id=world.ada_id, course_id=world.course_id,
                          item_id=world.quiz1) is False  # the first change's late repeat
    summary = AttemptSummary._get_collection().find_one({"user_id": world.ada_id})
    assert summary["overrides"] == {world.quiz1: 7}
    world.settled(world.ada, lambda p: p["marks_obtained"] == 7)


def test_an_override_whose_request_died_is_applied_by_the_sweep(world):
    """What a request that died right after storing the change leaves: the change, flagged, and
    nothing else. The beat's sweep, run by the real worker, finishes it."""
    world.quiz1_attempt(world.ada, right=2)
    world.board_becomes([(world.ada_id, 10)])
    item = course_item_get(outline=course_outline_get(course_id=world.course_id),
                           item_id=world.quiz1)
    change = override_change_store(user_id=world.ada_id, course_id=world.course_id, item=item,
                                   marks=1, reason=REASON, changed_by=world.staff_id)
    MarkOverride.objects(id=change.id).update_one(
        set__changed_at=timezone.now() - timedelta(minutes=1))
    assert world.progress(world.ada, fresh="true")["marks_obtained"] == 10  # not applied yet

    celery_app.send_task("SWEEP_PENDING_WORK")  # as beat does
    world.settled(world.ada, lambda p: p["marks_obtained"] == 1)
    world.board_becomes([(world.ada_id, 1)])
    assert MarkOverride.objects(followup_pending=True).count() == 0


def test_learners_may_not_override_and_read_only_their_own_corrections(world, make_user):
    body = {"user_id": world.ada_id, "content_id": world.quiz1, "marks": 1, "reason": REASON}
    assert_error(world.ada.post(world.course + "overrides/", body, format="json"), 403,
                 "staff_only")
    assert_error(world.ada.post(world.course + "overrides/remove/", body, format="json"), 403)
    assert_error(world.ada.get(world.course + "overrides/", {"user_id": world.bob_id}), 403,
                 "staff_only")
    assert_error(world.ada.get(world.course + "overrides/changes/", {"user_id": world.bob_id}),
                 403, "staff_only")
    outsider = token_client(make_user("eve"))
    assert_error(outsider.get(world.course + "overrides/"), 403, "not_enrolled")
    assert_error(APIClient().get(world.course + "overrides/"), 401)
    assert MarkOverride.objects.count() == 0


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"marks": 10.5}, 400, "marks_out_of_range"),
    ({"marks": -1}, 400, "invalid"),
    ({"marks": "3"}, 400, "invalid"),
    ({"reason": ""}, 400, "invalid"),
    ({"reason": "   "}, 400, "invalid"),
    ({"reason": None}, 400, "invalid"),
    ({"reason": "x" * 501}, 400, "invalid"),
    ({"content_id": "video"}, 400, "item_not_graded"),
    ({"content_id": "0123456789abcdef01234567"}, 404, "unknown_item"),
    ({"content_id": "nope"}, 400, "invalid"),
    ({"user_id": "bob"}, 400, "invalid"),
    ({"user_id": 987654}, 403, "not_enrolled"),
])
def test_a_bad_override_gets_a_4xx_saying_what_is_wrong(world, change, status, code):
    body = {"user_id": world.ada_id, "content_id": world.quiz1, "marks": 3, "reason": REASON}
    body.update(change)
    if body["content_id"] == "video":
        body["content_id"] = world.video
    assert_error(world.staff.post(world.course + "overrides/", body, format="json"), status, code)
    assert MarkOverride.objects.count() == 0


def test_removing_an_override_that_is_not_in_force_is_a_404(world):
    body = {"user_id": world.ada_id, "content_id": world.quiz1, "reason": REASON}
    assert_error(world.staff.post(world.course + "overrides/remove/", body, format="json"), 404,
                 "no_override")
    assert_error(world.staff.post("/api/v1/courses/0123456789abcdef01234567/overrides/",
                                  {**body, "marks": 1}, format="json"), 404)
    assert_error(world.staff.post("/api/v1/courses/xyz/overrides/", {**body, "marks": 1},
                                  format="json"), 400, "invalid_id")
    assert_error(world.staff.post(world.course + "overrides/", ["not", "an", "object"],
                                  format="json"), 400, "not_an_object")


def test_the_board_counts_an_override_from_the_moment_it_was_set(world):
    """Weekly boards count what was gained inside the week: an override set this week replaces
    the best before the week as the item's value from its moment on."""
    world.quiz1_attempt(world.ada, right=1)  # 5
    _override(world, world.ada_id, world.quiz1, 8)
    week = current_week()
    scores = learner_scores_aggregate(course_id=world.course_id, user_id=world.ada_id,
                                      windows=[ALL_TIME, week])
    assert {name: score[0] for name, score in scores.items()} == {"all": 800, week.name: 800}
    rebuilt = scores_aggregate(course_id=world.course_id, window=week)
    assert rebuilt[world.ada_id] == scores[week.name]


def test_a_learner_never_sees_override_marks_their_items_policy_hides(world):
    hidden = world.staff.patch(world.course, {"attempt_policy": {"reveal_marks": "never"}},
                               format="json")
    assert hidden.status_code == 200, hidden.content
    world.quiz1_attempt(world.ada, right=1)
    _override(world, world.ada_id, world.quiz1, 8)
    own = world.ada.get(world.course + "overrides/").json()["results"]
    assert [(o["marks"], o["marks_hidden"]) for o in own] == [(None, True)]
    history = world.ada.get(world.course + "overrides/changes/").json()["results"]
    assert [(c["marks"], c["previous_marks"], c["marks_hidden"]) for c in history] == [
        (None, None, True)]
    staff_view = world.staff.get(world.course + "overrides/").json()["results"]
    assert [(o["marks"], o["marks_hidden"]) for o in staff_view] == [(8, False)]
    world.settled(world.staff, lambda p: p["marks_obtained"] == 8, user_id=world.ada_id)
    progress = world.progress(world.ada)
    assert _item(progress, world.quiz1)["best_marks"] is None  # hidden from the learner too
    assert _item(progress, world.quiz1)["overridden"] is True
