"""Erasing a user: personal data removed, their work kept anonymous, boards and reports updated."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.documents import ActivityLog
from analytics.services import activity_log_write
from config.celery import app as celery_app
from config.documents import OutboxEntry
from flows.attempts import _attempt_follow_up
from flows.erasure import erasures_repair
from leaderboard.services import leaderboard_course_rebuild
from learning.correction_documents import ArchivedAttempt, MarkOverride, UserErasure
from learning.documents import ContentAttempt, Enrollment, LearnerProfile
from learning.services.erasure import user_erasure_open
from progress.documents import CourseProgress
from progress.services import progress_recalculate
from tests.api.conftest import assert_error, token_client
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _finish_course(world) -> None:
    """Ada completes the course (34 marks, one of them an override); Bob scores 5."""
    world.attempt(world.ada, {"content_id": world.video, "completed": True})
    world.quiz1_attempt(world.ada, right=2)
    world.grade(world.ada_id, 20)
    world.attempt(world.ada, {"content_id": world.article, "completed": True})
    world.attempt(world.ada, {"content_id": world.quiz2, "answers": [0]})
    assert world.staff.post(world.course + "overrides/",
                            {"user_id": world.ada_id, "content_id": world.quiz2, "marks": 4,
                             "reason": "Ada Lovelace appealed by e-mail."},
                            format="json").status_code == 202
    world.quiz1_attempt(world.bob, right=1)
    world.settled(world.ada, lambda p: p["completed_at"] is not None and p["marks_obtained"] == 34)
    world.board_becomes([(world.ada_id, 34), (world.bob_id, 5)])
    wait_until(lambda: ActivityLog.objects(verb="completed_course").count() == 1)


def _erase(world, user_id: int):
    return world.staff.delete(f"/api/v1/users/{user_id}/")


def test_an_erased_user_is_gone_from_boards_profile_and_tokens(world):
    _finish_course(world)
    events = ActivityLog.objects(user_id=world.ada_id).count()
    attempts = ContentAttempt.objects(user_id=world.ada_id).count()
    friends = {"users": str(world.ada_id)}  # Bob's friends list, checked and kept as enrolled
    assert world.bob.get(world.course + "leaderboard/me/", friends).status_code == 200

    response = _erase(world, world.ada_id)
    assert response.status_code == 204 and response.content == b""
    assert_error(world.bob.get(world.course + "leaderboard/me/", friends), 400,
                 "users_not_enrolled")

    assert_error(world.ada.get(world.course + "progress/"), 401)  # the token is gone
    user = get_user_model().objects.get(pk=world.ada_id)
    assert (user.username.startswith("erased-"), user.email, user.is_active,
            user.has_usable_password()) == (True, "", False, False)
    assert LearnerProfile.objects(user_id=world.ada_id).count() == 0
    world.board_becomes([(world.bob_id, 5)])
    world.board_becomes([(world.bob_id, 5)], window="week")
    # A rebuild from MongoDB agrees: the anonymous id keeps Ada's override, but never ranks.
    leaderboard_course_rebuild(course_id=world.course_id)  # what REBUILD_LEADERBOARD runs
    assert world.board() == [(world.bob_id, 5)]
    assert world.board(window="week") == [(world.bob_id, 5)]
    me = world.staff.get(world.course + f"leaderboard/users/{world.ada_id}/").json()
    assert me["rank"] is None

    # Their work stays, under an id nothing links to them once the erasure closes.
    erasure = UserErasure.objects.get(id=world.ada_id)
    anonymous = erasure.anonymous_id
    assert anonymous < 0 and erasure.requested_by == world.staff_id and erasure.finished_at
    assert "ada" not in str(UserErasure._get_collection().find_one({"_id": world.ada_id})).lower()
    assert ContentAttempt.objects(user_id=world.ada_id).count() == 0
    kept = ArchivedAttempt.objects(user_id=anonymous)
    assert kept.count() == attempts and [1, 0] in [list(a.answers) for a in kept]
    wait_until(lambda: ActivityLog.objects(user_id=world.ada_id).count() == 0)
    assert ActivityLog.objects(user_id=anonymous).count() == events
    assert ActivityLog.objects(event_id=f"completed_course:{anonymous}:{world.course_id}").count() == 1
    assert {o.reason for o in MarkOverride.objects(user_id=anonymous)} == {
        "(removed when the learner was erased)"}
    # Course reports count the anonymous learner as before; staff lists no longer name Ada.
    summary = world.staff.get(world.course + "progress/summary/").json()
    assert (summary["enrolled"], summary["completed"]) == (2, 1)
    funnel = world.staff.get(f"/api/v1/analytics/courses/{world.course_id}/funnel/").json()
    assert funnel["stages"][-1]["learners"] == 1
    rows = world.staff.get(world.course + "progress/learners/").json()["results"]
    assert {row["user_id"] for row in rows} == {anonymous, world.bob_id}
    assert_error(world.staff.get(world.course + "progress/", {"user_id": world.ada_id}), 403,
                 "not_enrolled")
    # The drift check does not recompute the kept progress from attempts that went to the
    # archive (it reported the erased learner as drift, for good).
    check = world.staff.get(world.course + "consistency/").json()
    assert check["ok"] is True and check["progress_diffs"] == [], check

    # Asking again changes nothing and answers the same.
    assert _erase(world, world.ada_id).status_code == 204
    assert UserErasure.objects.get(id=world.ada_id).anonymous_id == anonymous
    assert ArchivedAttempt.objects(user_id=anonymous).count() == attempts
    assert Enrollment.objects(user_id=world.ada_id).count() == 0


@pytest.mark.django_db(transaction=True)  # the worker's thread scrubs the account (SQL)
def test_an_erasure_cut_short_is_finished_by_the_sweep_which_then_forgets_the_id(world, settings):
    """A request that died right after recording the erasure leaves the record and nothing else
    done; the beat's sweep, run by the real worker, does the rest. Once the recheck window is
    over, the sweep drops the anonymous id."""
    world.quiz1_attempt(world.ada, right=2)
    world.board_becomes([(world.ada_id, 10)])
    user_erasure_open(user_id=world.ada_id, requested_by=world.staff_id)
    UserErasure.objects(id=world.ada_id).update_one(
        set__requested_at=timezone.now() - timedelta(minutes=1))
    assert world.ada.get(world.course + "progress/").status_code == 200  # nothing done yet

    celery_app.send_task("SWEEP_PENDING_WORK")
    wait_until(lambda: UserErasure.objects.get(id=world.ada_id).finished_at is not None)
    world.board_becomes([])
    assert LearnerProfile.objects(user_id=world.ada_id).count() == 0
    assert_error(world.ada.get(world.course + "progress/"), 401)
    anonymous = UserErasure.objects.get(id=world.ada_id).anonymous_id
    assert ArchivedAttempt.objects(user_id=anonymous).count() == 1

    settings.ERASURE_RECHECK_SECONDS = 0
    assert erasures_repair() == 1
    closed = UserErasure.objects.get(id=world.ada_id)
    assert (closed.anonymous_id, closed.open, closed.closed_at is not None) == (None, None, True)
    assert erasures_repair() == 0


def test_work_in_flight_during_an_erasure_is_caught_by_the_recheck(world):
    """An activity event stored late under the old id, an attempt submitted before the erasure
    but stored after it, work parked in the outbox: the open erasure's next run hands them all
    to the anonymous id (or drops the old id's recalculation)."""
    world.quiz1_attempt(world.ada, right=1)
    world.settled(world.ada, lambda p: p["marks_obtained"] == 5)
    assert _erase(world, world.ada_id).status_code == 204
    erasure = UserErasure.objects.get(id=world.ada_id)
    anonymous = erasure.anonymous_id

    activity_log_write(event_id="late-event", user_id=world.ada_id, verb="attempted",
                       course_id=world.course_id, item_id=world.quiz1, data={},
                       occurred_at=timezone.now())
    late = ContentAttempt(user_id=world.ada_id, course_id=world.course_id, item_id=world.quiz1,
                          kind="quiz", marks=10.0, answers=[1, 0],
                          submitted_at=erasure.requested_at - timedelta(milliseconds=3))
    late.save()
    _attempt_follow_up(late)  # the summary is fenced: the attempt goes to the archive
    assert ContentAttempt.objects(user_id=world.ada_id).count() == 0
    world.board_becomes([])
    progress_recalculate(user_id=world.ada_id, course_id=world.course_id)  # a task run late
    assert CourseProgress.objects(user_id=world.ada_id).count() == 1
    parked = timezone.now() + timedelta(hours=1)  # as the broker being down leaves them
    OutboxEntry(id="RECALCULATE_COURSE:parked", task_name="RECALCULATE_COURSE", due_at=parked,
                kwargs={"user_id": world.ada_id, "course_id": world.course_id}).save()
    OutboxEntry(id="LOG_ACTIVITY:parked", task_name="LOG_ACTIVITY", due_at=parked,
                kwargs={"user_id": world.ada_id, "event_id": "parked", "verb": "attempted"}).save()

    UserErasure.objects(id=world.ada_id).update_one(
        set__requested_at=timezone.now() - timedelta(minutes=1))
    assert erasures_repair() == 1
    assert ActivityLog.objects(user_id=world.ada_id).count() == 0
    assert ActivityLog.objects(event_id="late-event").get().user_id == anonymous
    assert ArchivedAttempt.objects(id=late.id).get().user_id == anonymous
    assert CourseProgress.objects(user_id=world.ada_id).count() == 0
    assert CourseProgress._get_collection().find_one({"user_id": anonymous})["marks_obtained"] == 5
    assert OutboxEntry.objects(id="RECALCULATE_COURSE:parked").count() == 0
    assert OutboxEntry.objects.get(id="LOG_ACTIVITY:parked").kwargs["user_id"] == anonymous


def test_staff_accounts_are_erased_and_made_by_a_superuser_only(world, make_user):
    """One staff account could otherwise erase every admin but itself, or multiply itself."""
    other_staff = make_user("other-staff", staff=True)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-12345")
    for target in (other_staff.pk, root.pk):
        assert_error(_erase(world, target), 403, "superuser_only")
    made = world.staff.post("/api/v1/users/", {"username": "ta2", "password": "ta2-pass-12345",
                                               "display_name": "TA", "is_staff": True},
                            format="json")
    assert_error(made, 403, "superuser_only")
    assert UserErasure.objects.count() == 0
    superuser = token_client(root)
    assert superuser.post("/api/v1/users/", {"username": "ta2", "password": "ta2-pass-12345",
                                             "display_name": "TA", "is_staff": True},
                          format="json").status_code == 201
    assert superuser.delete(f"/api/v1/users/{other_staff.pk}/").status_code == 204


def test_only_staff_erase_and_bad_erasures_get_a_4xx(world):
    assert_error(world.ada.delete(f"/api/v1/users/{world.bob_id}/"), 403)
    assert_error(APIClient().delete(f"/api/v1/users/{world.bob_id}/"), 401)
    assert_error(_erase(world, world.staff_id), 403, "cannot_erase_self")
    assert_error(_erase(world, 987654), 404, "unknown_user")
    assert_error(world.staff.delete("/api/v1/users/bob/"), 400, "invalid_id")
    assert_error(world.staff.delete("/api/v1/users/0/"), 400, "invalid_id")
    assert_error(world.staff.get(f"/api/v1/users/{world.bob_id}/"), 405)
    assert UserErasure.objects.count() == 0
    assert world.bob.get(world.course + "progress/").status_code == 200
