"""An attempt whose request died right after storing it still reaches progress and the board.

A crash cannot be staged in-process against mongomock, so the tests write the state such a
crash leaves (the attempt stored, still flagged `followup_pending`, nothing else done) and let
the real worker run the beat's sweep.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from celery.signals import task_postrun
from django.utils import timezone
from pymongo.errors import AutoReconnect

from analytics.documents import ActivityLog
from analytics.services import activity_log_write
from flows.attempts import attempt_followups_repair
from learning.documents import AttemptSummary, ContentAttempt
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


@pytest.fixture
def course(celery_worker, staff_client, make_user, client_for):
    body = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                             format="json").json()
    ada = make_user("ada")
    client = client_for(ada)
    assert client.post(f"/api/v1/courses/{body['id']}/enroll/").status_code == 201
    return body, ada, client


def half_recorded(body: dict, user_id: int, item: int, **fields) -> ContentAttempt:
    """What a request that died after `attempt.save()` leaves behind, a minute ago."""
    attempt = ContentAttempt(user_id=user_id, course_id=body["id"], item_id=item_ids(body)[item],
                             followup_pending=True, submitted_at=timezone.now() - timedelta(minutes=1),
                             **fields)
    attempt.save()
    return attempt


def test_the_sweep_finishes_a_half_recorded_attempt(course, celery_worker):
    body, ada, client = course
    cid = body["id"]

    def progress(completed: int) -> dict | None:
        body = client.get(f"/api/v1/courses/{cid}/progress/").json()
        return body if body["completed_items"] == completed and not body["pending"] else None

    article = item_ids(body)[3]
    response = client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": article, "completed": True},
                           format="json")
    assert response.status_code == 202
    wait_until(lambda: progress(1))
    video = half_recorded(body, ada.pk, 0, kind="video", completed=True)
    quiz = half_recorded(body, ada.pk, 1, kind="quiz", marks=10.0, answers=[1, 0])
    assert client.get(f"/api/v1/courses/{cid}/progress/?fresh=true").json()["completed_items"] == 1

    celery_worker.app.send_task("SWEEP_PENDING_WORK")
    settled = wait_until(lambda: progress(3))
    assert settled["marks_obtained"] == 10
    board = wait_until(lambda: client.get(f"/api/v1/courses/{cid}/leaderboard/").json()["results"] or None)
    assert [(row["user_id"], row["score"]) for row in board] == [(ada.pk, 10)]
    wait_until(lambda: ActivityLog.objects(verb="attempted").count() == 3)
    assert {log.event_id for log in ActivityLog.objects(verb="attempted")} >= {
        f"attempt:{video.id}", f"attempt:{quiz.id}"}
    assert ContentAttempt.objects(followup_pending=True).count() == 0


def test_a_repaired_attempt_is_not_repaired_again(course):
    body, ada, _ = course
    half_recorded(body, ada.pk, 0, kind="video", completed=True)
    assert attempt_followups_repair() == 1
    assert attempt_followups_repair() == 0


def test_an_event_the_dead_request_already_queued_is_stored_once(course):
    """The request may have died after queueing its activity event: the repair queues it again
    under the same event id, and the second copy is dropped."""
    body, ada, _ = course
    attempt = half_recorded(body, ada.pk, 0, kind="video", completed=True)
    activity_log_write(event_id=f"attempt:{attempt.id}", user_id=ada.pk, verb="attempted",
                       course_id=body["id"], item_id=str(attempt.item_id), data={},
                       occurred_at=attempt.submitted_at)
    ran = []
    handler = lambda sender=None, **_: ran.append(sender.name)  # noqa: E731
    task_postrun.connect(handler, weak=False)
    try:
        assert attempt_followups_repair() == 1
        wait_until(lambda: "LOG_ACTIVITY" in ran)
    finally:
        task_postrun.disconnect(handler)
    assert ActivityLog.objects(verb="attempted").count() == 1


def test_an_attempt_whose_summary_write_fails_is_accepted_and_finished_by_the_sweep(
        course, monkeypatch):
    """MongoDB refusing the summary merge does not fail a request whose attempt is stored."""
    body, ada, client = course
    collection_class = type(AttemptSummary._get_collection())  # mongomock's or pymongo's
    original = collection_class.update_one

    def summaries_unavailable(self, query, update, *args, **kwargs):
        if self.name == "attempt_summaries" and "version" in update.get("$inc", {}):  # the merge
            raise AutoReconnect("connection reset")
        return original(self, query, update, *args, **kwargs)

    monkeypatch.setattr(collection_class, "update_one", summaries_unavailable)
    response = client.post(f"/api/v1/courses/{body['id']}/attempts/",
                           {"content_id": item_ids(body)[0], "completed": True}, format="json")
    assert response.status_code == 202
    monkeypatch.undo()
    attempt = ContentAttempt.objects.get(user_id=ada.pk)
    assert attempt.followup_pending is True
    ContentAttempt.objects(id=attempt.id).update_one(set__submitted_at=timezone.now() - timedelta(minutes=1))
    assert attempt_followups_repair() == 1
    wait_until(lambda: client.get(f"/api/v1/courses/{body['id']}/progress/").json()["completed_items"] == 1)


def test_an_attempt_that_cannot_be_stored_answers_503_and_stores_nothing(course, monkeypatch):
    """MongoDB unreachable before the attempt is stored: the client is told to retry (503 with
    Retry-After), never a 500, and no half attempt is left."""
    body, ada, client = course
    collection_class = type(AttemptSummary._get_collection())  # mongomock's or pymongo's
    original = collection_class.update_one

    def mongodb_unavailable(self, *args, **kwargs):
        raise AutoReconnect("connection reset")

    monkeypatch.setattr(collection_class, "update_one", mongodb_unavailable)
    response = client.post(f"/api/v1/courses/{body['id']}/attempts/",
                           {"content_id": item_ids(body)[0], "completed": True}, format="json")
    monkeypatch.setattr(collection_class, "update_one", original)
    assert response.status_code == 503
    assert response.json()["code"] == "store_unavailable" and int(response["Retry-After"]) >= 1
    assert ContentAttempt.objects(user_id=ada.pk).count() == 0
