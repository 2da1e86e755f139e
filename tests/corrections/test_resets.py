"""Staff reset a learner in a course: attempts archived, everything starts over, audited."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from flows.attempts import _attempt_follow_up, attempt_followups_repair
from learning.correction_documents import ArchivedAttempt, CourseReset, MarkOverride
from learning.correction_selectors import corrections_history_get
from learning.documents import AttemptSummary, ContentAttempt
from learning.services.corrections import course_reset_store
from progress.documents import CourseProgress
from progress.services import progress_computation_save, progress_compute, progress_recalculate
from tests.api.conftest import assert_error
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

REASON = "Retaking the course after a leave of absence."


def _reset(world, user_id: int, reason: str = REASON):
    return world.staff.post(world.course + f"learners/{user_id}/reset/", {"reason": reason},
                            format="json")


def _complete_everything(world) -> dict:
    """Ada finishes the course: every item done, 34 marks, an override on Quiz 2."""
    world.attempt(world.ada, {"content_id": world.video, "completed": True})
    world.quiz1_attempt(world.ada, right=1)
    world.quiz1_attempt(world.ada, right=2)
    world.grade(world.ada_id, 20)
    world.attempt(world.ada, {"content_id": world.article, "completed": True})
    world.attempt(world.ada, {"content_id": world.quiz2, "answers": [0]})  # wrong: 0 marks
    response = world.staff.post(world.course + "overrides/",
                                {"user_id": world.ada_id, "content_id": world.quiz2, "marks": 4,
                                 "reason": "Question 1 was ambiguous."}, format="json")
    assert response.status_code == 202
    return world.settled(world.ada, lambda p: p["marks_obtained"] == 34
                         and p["completed_at"] is not None)


def test_a_reset_archives_the_attempts_and_starts_the_learner_over(world):
    done = _complete_everything(world)
    assert done["completion_percent"] == 100.0 and done["passed_at"] is not None
    world.quiz1_attempt(world.bob, right=1)
    world.board_becomes([(world.ada_id, 34), (world.bob_id, 5)])

    response = _reset(world, world.ada_id)
    assert response.status_code == 202, response.content
    reset = response.json()
    assert (reset["status"], reset["archived_attempts"], reset["overrides_removed"],
            reset["reason"], reset["reset_by"], reset["user_id"]) == (
        "done", 6, 1, REASON, world.staff_id, world.ada_id)

    fresh = world.settled(world.ada, lambda p: p["marks_obtained"] == 0)
    assert (fresh["completion_percent"], fresh["completed_items"], fresh["completed_at"],
            fresh["passed_at"], fresh["grade_percent"]) == (0.0, 0, None, None, 0.0)
    assert all(item["attempts"] == 0 and not item["overridden"] for item in fresh["items"])
    world.board_becomes([(world.bob_id, 5)])
    # Archived, not deleted: the six attempts with their marks and answers, under the reset.
    assert ContentAttempt.objects(user_id=world.ada_id).count() == 0
    archived = ArchivedAttempt.objects(user_id=world.ada_id)
    assert archived.count() == 6 and {a.reset_id for a in archived} == {CourseReset.objects.get().id}
    assert sorted(a.marks for a in archived if a.marks is not None) == [0, 5, 10, 20]
    assert MarkOverride.objects(user_id=world.ada_id, action="removed").get().cause == \
        f"reset:{reset['id']}"
    listed = world.staff.get(world.course + "resets/", {"user_id": world.ada_id}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == reset["id"]

    # Starting over: work counts again, from nothing.
    world.quiz1_attempt(world.ada, right=1)
    again = world.settled(world.ada, lambda p: p["marks_obtained"] == 5)
    assert next(i for i in again["items"] if i["id"] == world.quiz1)["attempts"] == 1
    world.board_becomes([(world.bob_id, 5), (world.ada_id, 5)])  # Bob reached 5 first


def test_a_reset_gives_back_the_attempts_an_attempt_policy_counted(world):
    policy = world.staff.patch(world.course, {"attempt_policy": {"max_attempts": 1}},
                               format="json")
    assert policy.status_code == 200, policy.content
    world.quiz1_attempt(world.ada, right=1)
    used_up = world.ada.post(world.course + "attempts/",
                             {"content_id": world.quiz1, "answers": [1, 0]}, format="json")
    assert_error(used_up, 403, "max_attempts_reached")
    assert _reset(world, world.ada_id).status_code == 202
    world.quiz1_attempt(world.ada, right=2)
    world.settled(world.ada, lambda p: p["marks_obtained"] == 10)


def test_an_attempt_submitted_before_a_reset_but_stored_after_it_is_archived_too(world):
    """The race a reset must win: an attempt whose request began before the reset is stored
    after the reset archived the learner's attempts. Its summary merge is refused (the summary
    is fenced at the reset's moment) and the attempt joins the archive, so the learner starts
    from nothing in progress and on the board alike."""
    world.quiz1_attempt(world.ada, right=1)
    assert _reset(world, world.ada_id).json()["status"] == "done"
    reset = CourseReset.objects.get()
    late = ContentAttempt(user_id=world.ada_id, course_id=world.course_id, item_id=world.quiz1,
                          kind="quiz", marks=10.0, answers=[1, 0], followup_pending=True,
                          submitted_at=reset.reset_at - timedelta(milliseconds=5))
    late.save()
    ContentAttempt.objects(id=late.id).update_one(  # the sweep's grace has passed
        set__submitted_at=reset.reset_at - timedelta(milliseconds=5))
    late.reload()
    _attempt_follow_up(late)  # what the request (or the sweep) does next
    assert ContentAttempt.objects(id=late.id).count() == 0
    assert ArchivedAttempt.objects.get(id=late.id).reset_id == reset.id
    summary = AttemptSummary._get_collection().find_one({"user_id": world.ada_id})
    assert summary["best_marks"] == {}
    progress = world.settled(world.ada, lambda p: p["seq"] >= summary["version"])
    assert progress["marks_obtained"] == 0
    assert world.board() == []


def test_a_reset_whose_request_died_is_finished_by_the_sweep(world):
    """A request that died right after recording the reset leaves the record, flagged, and
    nothing else done; the beat's sweep, run by the real worker, does the rest."""
    world.quiz1_attempt(world.ada, right=2)
    world.settled(world.ada, lambda p: p["marks_obtained"] == 10)
    world.board_becomes([(world.ada_id, 10)])
    past = timezone.now() - timedelta(minutes=2)
    ContentAttempt.objects(user_id=world.ada_id).update(set__submitted_at=past)
    reset = course_reset_store(user_id=world.ada_id, course_id=world.course_id, reason=REASON,
                               reset_by=world.staff_id)
    CourseReset.objects(id=reset.id).update_one(set__reset_at=past + timedelta(minutes=1))

    celery_app.send_task("SWEEP_PENDING_WORK")
    wait_until(lambda: CourseReset.objects.get().followup_pending is None)
    assert CourseReset.objects.get().archived_attempts == 1
    world.settled(world.ada, lambda p: p["marks_obtained"] == 0)
    world.board_becomes([])
    assert attempt_followups_repair() == 0


def test_progress_computed_before_a_reset_cannot_bring_its_completion_back(world, celery_worker):
    """A recalculation that read the summary before the reset and stores after it would put the
    old completion moment back (completed_at is kept with $min). The reset raised the stored
    document's order to the summary version it made, so that computation is refused, and the
    next one stores the learner's fresh start."""
    _complete_everything(world)
    before = progress_compute(user_id=world.ada_id, course_id=world.course_id)
    assert before.result.is_complete
    control = celery_app.control
    assert control.cancel_consumer("progress", destination=[celery_worker.hostname], reply=True,
                                   timeout=5)
    time.sleep(1.1)  # a BRPOP issued before the cancel may take one more message meanwhile
    try:
        assert _reset(world, world.ada_id).json()["status"] == "done"  # its recalculation waits
        assert progress_computation_save(computation=before) == {}
        progress_recalculate(user_id=world.ada_id, course_id=world.course_id)  # the queued one
    finally:
        control.add_consumer("progress", destination=[celery_worker.hostname], reply=True,
                             timeout=5)
    stored = CourseProgress._get_collection().find_one({"user_id": world.ada_id})
    assert (stored["marks_obtained"], stored.get("completed_at"), stored.get("passed_at")) == \
        (0, None, None)


def test_learners_may_not_reset_and_bad_resets_get_a_4xx(world, make_user):
    assert_error(world.ada.post(world.course + f"learners/{world.ada_id}/reset/",
                                {"reason": REASON}, format="json"), 403)
    assert_error(world.ada.get(world.course + "resets/"), 403)
    assert_error(_reset(world, world.ada_id, reason=""), 400, "invalid")
    assert_error(world.staff.post(world.course + f"learners/{world.ada_id}/reset/", {},
                                  format="json"), 400, "invalid")
    assert_error(world.staff.post(world.course + "learners/abc/reset/", {"reason": REASON},
                                  format="json"), 400, "invalid_id")
    assert_error(world.staff.post(world.course + "learners/0/reset/", {"reason": REASON},
                                  format="json"), 400, "invalid_id")
    outsider = make_user("eve")
    assert_error(_reset(world, outsider.pk), 403, "not_enrolled")
    assert_error(world.staff.post(f"/api/v1/courses/0123456789abcdef01234567/learners/"
                                  f"{world.ada_id}/reset/", {"reason": REASON}, format="json"), 404)
    assert CourseReset.objects.count() == 0


def test_the_history_selector_lists_a_learners_corrections_newest_first(world):
    """What the attempt history merges: override changes and resets as entries with `at`."""
    world.quiz1_attempt(world.ada, right=1)
    assert world.staff.post(world.course + "overrides/",
                            {"user_id": world.ada_id, "content_id": world.quiz1, "marks": 9,
                             "reason": "Regraded."}, format="json").status_code == 202
    assert _reset(world, world.ada_id).status_code == 202
    entries = corrections_history_get(course_id=world.course_id, user_id=world.ada_id)
    assert [(e["type"], e.get("action"), e["reason"]) for e in entries] == [
        ("override", "removed", f"Course reset: {REASON}"),  # the reset's step, just after it
        ("reset", None, REASON), ("override", "set", "Regraded.")]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    only_quiz = corrections_history_get(course_id=world.course_id, user_id=world.ada_id,
                                        content_id=world.quiz1)
    assert [e["type"] for e in only_quiz] == ["override", "override"]
    assert corrections_history_get(course_id=world.course_id, user_id=world.bob_id) == []
