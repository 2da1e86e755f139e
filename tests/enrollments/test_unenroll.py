"""A learner leaves a course: off its boards and lists, refused at once; back with their progress."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from config.dispatch import broker_circuit, outbox_count, outbox_sweep
from config.documents import OutboxEntry
from flows.enrollments import enrollment_followups_repair
from leaderboard.aggregation import learner_scores_aggregate
from leaderboard.services import leaderboard_scores_write, leaderboard_stamp_take
from leaderboard.windows import update_windows
from learning.documents import Enrollment
from learning.services.enrollments import enrollment_leave_store
from tests.api.conftest import assert_error, token_client
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _leave(world, client) -> None:
    response = client.delete(world.course + "enroll/")
    assert response.status_code == 204, response.content


def test_a_learner_who_leaves_is_off_the_boards_and_comes_back_with_their_progress(world):
    world.quiz1_attempt(world.ada, right=2)
    world.quiz1_attempt(world.bob, right=1)
    world.board_becomes([(world.ada_id, 10), (world.bob_id, 5)])
    world.settled(world.ada, lambda p: p["marks_obtained"] == 10)  # this process granted reads
    enrolled_at = Enrollment.objects.get(user_id=world.ada_id).enrolled_at

    _leave(world, world.ada)
    # Refused at once in this process, reads included (its access cache forgot the learner).
    assert_error(world.ada.get(world.course + "progress/"), 403, "not_enrolled")
    assert_error(world.ada.get(world.course + "leaderboard/me/"), 403, "not_enrolled")
    assert_error(world.ada.post(world.course + "attempts/",
                                {"content_id": world.video, "completed": True}, format="json"),
                 403, "not_enrolled")
    world.board_becomes([(world.bob_id, 5)])
    world.board_becomes([(world.bob_id, 5)], window="week")
    summary = world.staff.get(world.course + "progress/summary/").json()
    assert summary["enrolled"] == 1 and summary["mean_completion_percent"] == 0.0
    assert [row["user_id"] for row in
            world.staff.get(world.course + "progress/learners/").json()["results"]] == [world.bob_id]
    _leave(world, world.ada)  # leaving twice is fine
    # A rebuild from MongoDB leaves them off too.
    assert world.staff.post(world.course + "leaderboard/rebuild/").status_code == 202
    wait_until(lambda: outbox_count() == 0)
    assert world.board() == [(world.bob_id, 5)]
    # What is served agrees with MongoDB: boards and progress of the learners enrolled.
    check = world.staff.get(world.course + "consistency/").json()
    assert (check["ok"], check["learners"]) == (True, 1), check

    back = world.ada.post(world.course + "enroll/")
    assert back.status_code == 201, back.content
    assert Enrollment.objects.get(user_id=world.ada_id).enrolled_at == enrolled_at
    world.board_becomes([(world.ada_id, 10), (world.bob_id, 5)])
    progress = world.settled(world.ada, lambda p: p["marks_obtained"] == 10)
    assert progress["completed_items"] == 1
    assert world.staff.get(world.course + "progress/summary/").json()["enrolled"] == 2
    wait_until(lambda: world.staff.get(world.course + "consistency/").json()["ok"])


def test_leaving_a_course_one_never_joined_or_that_does_not_exist_says_so(world, make_user):
    outsider = token_client(make_user("cy"))
    assert_error(outsider.delete(world.course + "enroll/"), 403, "not_enrolled")
    assert_error(outsider.delete("/api/v1/courses/0123456789abcdef01234567/enroll/"), 404)
    assert_error(outsider.delete("/api/v1/courses/nope/enroll/"), 400)
    assert world.ada.delete("/api/v1/courses/nope/enroll/").status_code in (400, 404)


def test_a_board_update_that_read_the_learner_before_they_left_cannot_put_them_back(world):
    world.quiz1_attempt(world.ada, right=2)
    world.board_becomes([(world.ada_id, 10)])
    stamp = leaderboard_stamp_take(course_id=world.course_id, user_id=world.ada_id)
    windows = update_windows()
    old = learner_scores_aggregate(course_id=world.course_id, user_id=world.ada_id,
                                   windows=windows)
    assert old["all"] is not None
    _leave(world, world.ada)
    world.board_becomes([])
    written = leaderboard_scores_write(course_id=world.course_id, user_id=world.ada_id,
                                       stamp=stamp, windows=windows, scores=old)
    assert written == -1 and world.board() == []


def test_leaving_while_the_broker_is_down_waits_in_the_outbox_and_the_sweep_finishes_it(world):
    world.quiz1_attempt(world.ada, right=2)
    world.quiz1_attempt(world.bob, right=1)
    world.board_becomes([(world.ada_id, 10), (world.bob_id, 5)])
    wait_until(lambda: outbox_count() == 0)
    broker_circuit.trip()  # publishing is refused, as after a failed publish
    _leave(world, world.ada)
    parked = {(e.task_name, e.kwargs.get("user_id")) for e in OutboxEntry.objects}
    assert ("UPDATE_LEADERBOARD", world.ada_id) in parked
    assert Enrollment.objects(followup_pending=True).count() == 0  # only the queue waits
    assert world.board() == [(world.ada_id, 10), (world.bob_id, 5)]
    broker_circuit.reset()
    assert outbox_sweep() >= 1
    world.board_becomes([(world.bob_id, 5)])


def test_a_leave_whose_request_died_after_storing_it_is_finished_by_the_sweep(world):
    world.quiz1_attempt(world.ada, right=2)
    world.board_becomes([(world.ada_id, 10)])
    enrollment_leave_store(user_id=world.ada_id, course_id=world.course_id)  # then it died
    assert Enrollment.objects(followup_pending=True).count() == 1
    assert enrollment_followups_repair(older_than_seconds=-1) == 1
    world.board_becomes([])
    assert Enrollment.objects(followup_pending=True).count() == 0


def test_the_admin_enrollment_list_shows_who_left_and_when(world):
    from django.test import Client

    from tests.admin.test_lists import result_rows

    _leave(world, world.ada)
    browser = Client()
    browser.force_login(get_user_model().objects.get(pk=world.staff_id))
    rows = result_rows(browser.get("/admin/data/enrollments/", {"q": "ada"}))
    assert len(rows) == 1 and rows[0].startswith(f"ada (#{world.ada_id})")
    assert not rows[0].endswith("—")  # a moment in the "left" column
    bob = result_rows(browser.get("/admin/data/enrollments/", {"q": "bob"}))
    assert len(bob) == 1 and bob[0].endswith("—")
