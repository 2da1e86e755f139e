"""Each cause records its event once: enrollment, attempt, item and course completion, passing
grade, and entering or leaving a leaderboard's top N."""
from __future__ import annotations

import time

import pytest

from integrations.documents import IntegrationEvent
from tests.conftest import wait_until
from tests.integrations.conftest import answer, watch

pytestmark = pytest.mark.django_db


def _events(type_: str) -> list[IntegrationEvent]:
    return list(IntegrationEvent.objects(type=type_).order_by("occurred_at"))


def test_enrolling_records_enrollment_created(celery_worker, course_with_learner):
    course_id, _, learner, _ = course_with_learner
    [event] = wait_until(lambda: _events("enrollment.created"))
    assert (event.data["user_id"], event.data["course_id"]) == (learner.pk, course_id)
    assert event.id.startswith("evt_")


def test_a_wrong_answer_is_an_attempt_but_completes_nothing(celery_worker, course_with_learner):
    course_id, ids, _, client = course_with_learner
    answer(client, course_id, ids["Quiz"], right=False)
    [event] = wait_until(lambda: _events("attempt.accepted"))
    assert (event.data["marks"], event.data["passed"], event.data["item_completed"]) == (0, False,
                                                                                         False)
    time.sleep(0.3)
    assert _events("item.completed") == []


def test_completing_and_passing_a_course_records_each_once(celery_worker, course_with_learner):
    course_id, ids, learner, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    answer(client, course_id, ids["Quiz"])
    wait_until(lambda: _events("course.completed") and _events("course.passed"))
    answer(client, course_id, ids["Quiz"])  # again: nothing new is completed or passed
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: len(_events("attempt.accepted")) == 4)
    time.sleep(1.5)  # the later recalculations (min interval 1 s) have run
    assert [e.data["item_id"] for e in _events("item.completed")] == [ids["Watch"], ids["Quiz"]]
    [completed], [passed] = _events("course.completed"), _events("course.passed")
    assert (completed.data["user_id"], completed.data["course_id"]) == (learner.pk, course_id)
    assert passed.data["grade_percent"] == 100.0


def test_entering_and_leaving_the_top_n_records_rank_changed_and_other_moves_do_not(
        celery_worker, course_with_learner, make_user, client_for, settings):
    settings.WEBHOOK_LEADERBOARD_TOP_N = 1
    course_id, ids, ada, ada_client = course_with_learner
    board = f"/api/v1/courses/{course_id}/leaderboard/"
    wait_until(lambda: not ada_client.get(board).json()["rebuilding"])  # the board exists
    answer(ada_client, course_id, ids["Quiz"], right=False)  # 0 marks, but first on the board
    [entered] = wait_until(lambda: _events("leaderboard.rank_changed"))
    assert (entered.data["user_id"], entered.data["change"], entered.data["rank"]) == (ada.pk,
                                                                                      "entered", 1)
    learners = {}
    for name in ("bob", "carol"):
        learners[name] = make_user(name)
        client = client_for(learners[name])
        client.post(f"/api/v1/courses/{course_id}/enroll/")
        learners[name + "_client"] = client
    answer(learners["bob_client"], course_id, ids["Quiz"])  # 5 marks: bob takes the top place
    wait_until(lambda: len(_events("leaderboard.rank_changed")) == 3)
    answer(learners["carol_client"], course_id, ids["Quiz"], right=False)  # below: no change
    wait_until(lambda: ada_client.get(board).json()["count"] == 3)
    time.sleep(0.5)
    changes = sorted((e.data["user_id"], e.data["change"], e.data["rank"])
                     for e in _events("leaderboard.rank_changed"))
    assert changes == sorted([(ada.pk, "entered", 1), (learners["bob"].pk, "entered", 1),
                              (ada.pk, "left", None)])


def test_an_erased_learner_s_events_and_statements_keep_only_the_anonymous_id(
        celery_worker, course_with_learner, staff_client):
    from integrations.documents import XapiStatement
    from learning.correction_documents import UserErasure

    course_id, ids, learner, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: _events("item.completed") and XapiStatement.objects.count() >= 2)
    assert staff_client.delete(f"/api/v1/users/{learner.pk}/").status_code == 204
    anonymous = UserErasure.objects.get(id=learner.pk).anonymous_id
    assert IntegrationEvent.objects(data__user_id=learner.pk).count() == 0
    assert IntegrationEvent.objects(data__user_id=anonymous).count() >= 3
    names = {s.statement["actor"]["account"]["name"] for s in XapiStatement.objects}
    assert names == {str(anonymous)}


def test_an_erasure_taking_a_learner_off_the_top_n_sends_no_event_naming_them(
        celery_worker, course_with_learner, staff_client, settings):
    settings.WEBHOOK_LEADERBOARD_TOP_N = 1
    course_id, ids, learner, client = course_with_learner
    board = f"/api/v1/courses/{course_id}/leaderboard/"
    wait_until(lambda: not client.get(board).json()["rebuilding"])
    answer(client, course_id, ids["Quiz"])
    wait_until(lambda: _events("leaderboard.rank_changed"))
    assert staff_client.delete(f"/api/v1/users/{learner.pk}/").status_code == 204
    wait_until(lambda: staff_client.get(board).json()["count"] == 0)
    time.sleep(0.5)
    assert [e.data["change"] for e in _events("leaderboard.rank_changed")] == ["entered"]
    assert IntegrationEvent.objects(data__user_id=learner.pk).count() == 0
