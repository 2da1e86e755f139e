"""The attempt summary the progress worker reads: best marks and completions per item."""
from __future__ import annotations

from datetime import timedelta

import pytest
from bson import ObjectId
from django.utils import timezone

from flows.attempts import attempt_followups_repair
from learning.documents import AttemptSummary, ContentAttempt
from learning.selectors import attempt_facts_get, attempt_summary_get, course_outline_get
from learning.services import attempt_summary_merge
from progress.calculation import progress_calculate
from progress.services import progress_recalculate
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(progress_queue_paused, staff_client, make_user, client_for):
    """The Python course, Ada enrolled in it; recalculations run only when a test calls them."""
    body = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                             format="json").json()
    ada = make_user("ada")
    client = client_for(ada)
    client.post(f"/api/v1/courses/{body['id']}/enroll/")
    return body, ada, client


def summary_of(user_id: int, course_id: str) -> dict:
    doc = AttemptSummary._get_collection().find_one({"user_id": user_id, "course_id": ObjectId(course_id)})
    return {"best_marks": doc.get("best_marks", {}), "done_items": sorted(doc.get("done_items", []))}


def same_progress(course_id: str, user_id: int) -> bool:
    """Progress from the summary equals progress from every attempt."""
    outline, now = course_outline_get(course_id=course_id), timezone.now()
    from_summary = progress_calculate(outline, attempt_summary_get(user_id=user_id, course_id=course_id).facts,
                                      now=now, enrolled_at=None)
    from_attempts = progress_calculate(outline, attempt_facts_get(user_id=user_id, course_id=course_id),
                                       now=now, enrolled_at=None)
    return from_summary == from_attempts


def test_the_summary_keeps_each_items_best_marks_and_its_completion(course, staff_client):
    body, ada, client = course
    cid = body["id"]
    video, quiz, homework = item_ids(body)[:3]
    attempts = f"/api/v1/courses/{cid}/attempts/"
    assert client.post(attempts, {"content_id": quiz, "answers": [0, 1]}, format="json").status_code == 202
    assert client.post(attempts, {"content_id": quiz, "answers": [1, 0]}, format="json").status_code == 202
    assert client.post(attempts, {"content_id": quiz, "answers": [1, 1]}, format="json").status_code == 202
    assert client.post(attempts, {"content_id": video, "completed": True}, format="json").status_code == 202
    for marks in (15, 8):  # a lower regrade later does not lower the best
        response = staff_client.post(attempts, {"content_id": homework, "user_id": ada.pk, "marks": marks},
                                     format="json")
        assert response.status_code == 202
    assert summary_of(ada.pk, cid) == {"best_marks": {quiz: 10.0, homework: 15.0}, "done_items": [video]}
    assert same_progress(cid, ada.pk)
    assert not ContentAttempt.objects(followup_pending=True).count()


def test_merging_the_same_attempt_again_changes_nothing(course):
    body, ada, client = course
    cid = body["id"]
    client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": item_ids(body)[1], "answers": [1, 1]},
                format="json")
    before = summary_of(ada.pk, cid)
    attempt_summary_merge(attempt=ContentAttempt.objects.get(user_id=ada.pk))
    assert summary_of(ada.pk, cid) == before == {"best_marks": {item_ids(body)[1]: 5.0}, "done_items": []}


def test_a_locked_item_check_sees_the_attempt_just_made(staff_client, make_user, client_for,
                                                         progress_queue_paused):
    body = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    lee = client_for(make_user("lee"))
    lee.post(f"/api/v1/courses/{body['id']}/enroll/")
    video, quiz = item_ids(body)[:2]
    attempts = f"/api/v1/courses/{body['id']}/attempts/"
    refused = lee.post(attempts, {"content_id": quiz, "answers": [1, 0]}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "item_locked"
    assert lee.post(attempts, {"content_id": video, "completed": True}, format="json").status_code == 202
    # No recalculation ran (the queue is paused): the check reads the summary just written.
    assert lee.post(attempts, {"content_id": quiz, "answers": [1, 0]}, format="json").status_code == 202


def test_attempts_of_items_removed_from_the_outline_do_not_count(course, staff_client):
    body, ada, client = course
    cid = body["id"]
    client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": item_ids(body)[0], "completed": True},
                format="json")
    del body["sections"][0]["lessons"][0]["items"][0]
    assert staff_client.put(f"/api/v1/courses/{cid}/", body, format="json").status_code == 200
    payload = progress_recalculate(user_id=ada.pk, course_id=cid)
    assert payload["completed_items"] == 0 and payload["total_items"] == 4


def test_an_in_flight_attempt_is_not_taken_for_a_half_recorded_one(course):
    """The repair leaves attempts younger than its grace period to the request still handling them."""
    body, ada, _ = course
    ContentAttempt(user_id=ada.pk, course_id=body["id"], item_id=item_ids(body)[0], kind="video",
                   completed=True, followup_pending=True,
                   submitted_at=timezone.now() - timedelta(seconds=5)).save()
    assert attempt_followups_repair(older_than_seconds=30) == 0
    assert attempt_summary_get(user_id=ada.pk, course_id=body["id"]).facts == []


def test_the_lock_check_counts_an_attempt_missing_from_the_summary(staff, make_user, client_for,
                                                                    progress_queue_paused):
    """An attempt whose request failed after storing it is not in the summary until the sweep
    runs; the learner is still let through to what it unlocks."""
    body = client_for(staff).post("/api/v1/courses/", python_course_payload(), format="json").json()
    lee = make_user("lee")
    client = client_for(lee)
    client.post(f"/api/v1/courses/{body['id']}/enroll/")
    video, quiz, homework, article, _ = item_ids(body)
    attempts = f"/api/v1/courses/{body['id']}/attempts/"
    assert client.post(attempts, {"content_id": video, "completed": True}, format="json").status_code == 202
    assert client.post(attempts, {"content_id": quiz, "answers": [1, 0]}, format="json").status_code == 202
    ContentAttempt(user_id=lee.pk, course_id=body["id"], item_id=homework, kind="assignment", marks=15.0,
                   graded_by=staff.pk, followup_pending=True).save()  # the grade's follow-up failed
    assert homework not in summary_of(lee.pk, body["id"])["best_marks"]
    response = client.post(attempts, {"content_id": article, "completed": True}, format="json")
    assert response.status_code == 202, response.json()
