"""Results learners and teachers expect: per item, lesson and section; a grade; due dates."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.django_db


def quiz(title: str, marks: float, key: str | None = None, **extra) -> dict:
    """A one-question quiz worth `marks` (answer 0 is right)."""
    body = {"title": title, "kind": "quiz", "questions": [
        {"prompt": title, "choices": ["right", "wrong"], "answer": 0, "marks": marks}], **extra}
    return {**body, "key": key} if key else body


def graded_course(**extra) -> dict:
    """Two sections: three quizzes (10, 10, 20) and a video; then a 40-mark project."""
    return {"title": "Graded", "slug": "graded", "unlock_mode": "open", "published": True,
            "sections": [
                {"key": "s-basics", "title": "Basics", "lessons": [{"title": "L1", "items": [
                    quiz("Q1", 10), quiz("Q2", 10), {"title": "Watch", "kind": "video"}]},
                    {"title": "L2", "items": [quiz("Q3", 20)]}]},
                {"key": "s-project", "title": "Project", "lessons": [{"title": "P", "items": [
                    {"title": "Project", "kind": "assignment", "max_marks": 40, "pass_marks": 20}]}]}],
            **extra}


@pytest.fixture
def learner_in(staff_client, make_user, client_for):
    def make(payload: dict):
        response = staff_client.post("/api/v1/courses/", payload, format="json")
        assert response.status_code == 201, response.content
        course = response.json()
        ada = make_user("ada")
        client = client_for(ada)
        client.post(f"/api/v1/courses/{course['id']}/enroll/")
        ids = {i["title"]: i["id"] for s in course["sections"] for lesson in s["lessons"]
               for i in lesson["items"]}
        return course, ids, ada, client

    return make


def attempt(client, course_id: str, content_id: str, right: bool = True, **body):
    payload = {"content_id": content_id, **({"answers": [0 if right else 1]} if not body else body)}
    return client.post(f"/api/v1/courses/{course_id}/attempts/", payload, format="json")


def settled(client, course_id: str, seq: int, **params) -> dict:
    def read():
        body = client.get(f"/api/v1/courses/{course_id}/progress/", params).json()
        return body if not body.get("pending") and body.get("seq", seq) >= seq else None

    return wait_until(read)


def test_progress_shows_each_item_lesson_and_section_from_the_same_computation(
        learner_in, staff_client, celery_worker):
    course, ids, ada, client = learner_in(graded_course())
    cid = course["id"]
    attempt(client, cid, ids["Q1"], right=False)
    attempt(client, cid, ids["Q1"], right=True)
    attempt(client, cid, ids["Watch"], completed=True)
    staff_client.post(f"/api/v1/courses/{cid}/attempts/",
                      {"content_id": ids["Project"], "user_id": ada.pk, "marks": 30}, format="json")
    progress = settled(client, cid, 4)
    items = {i["id"]: i for i in progress["items"]}
    assert [i["id"] for i in progress["items"]] == list(ids.values())  # course order
    q1 = items[ids["Q1"]]
    assert (q1["completed"], q1["best_marks"], q1["max_marks"], q1["attempts"], q1["passed"],
            q1["late"]) == (True, 10, 10, 2, True, False)
    assert q1["last_attempt_at"] is not None
    assert items[ids["Q2"]] | {"last_attempt_at": None} == {
        "id": ids["Q2"], "completed": False, "best_marks": None, "max_marks": 10, "attempts": 0,
        "last_attempt_at": None, "passed": False, "late": False, "due_at": None,
        "overridden": False}
    assert items[ids["Watch"]]["passed"] is None
    assert items[ids["Project"]]["best_marks"] == 30 and items[ids["Project"]]["passed"] is True
    basics, project = progress["sections"]
    assert (basics["marks_obtained"], basics["marks_total"], basics["completion_percent"]) == \
        (10, 40, 50.0)
    assert (project["marks_obtained"], project["marks_total"], project["completion_percent"]) == \
        (30, 40, 100.0)
    assert [lesson["marks_obtained"] for lesson in progress["lessons"]] == [10, 0, 30]
    # Without a grading policy, the totals are what they always were and there is no grade.
    assert (progress["marks_obtained"], progress["marks_total"]) == (40, 80)
    assert progress["grade_percent"] is None and progress["letter"] is None


def test_fields_keeps_the_small_answer_and_refuses_unknown_names(learner_in):
    course, _, _, client = learner_in(graded_course())
    url = f"/api/v1/courses/{course['id']}/progress/"
    small = client.get(url, {"fields": "completion_percent,marks_obtained,grade_percent"})
    assert set(small.json()) == {"completion_percent", "marks_obtained", "grade_percent"}
    wrong = client.get(url, {"fields": "completion_percent,secrets"})
    assert wrong.status_code == 400 and "secrets" in wrong.json()["detail"]


GRADING = {"categories": [
    {"name": "Quizzes", "kinds": ["quiz"], "weight": 40, "drop_lowest": 1},
    {"name": "Project", "sections": ["s-project"], "weight": 60}],
    "pass_percent": 60,
    "letters": [{"letter": "A", "min_percent": 85}, {"letter": "B", "min_percent": 70},
                {"letter": "C", "min_percent": 50}]}


def test_a_grading_policy_weights_categories_drops_the_lowest_and_gives_a_letter(
        learner_in, staff_client, celery_worker):
    course, ids, ada, client = learner_in(graded_course(grading=GRADING))
    cid = course["id"]
    assert course["grading"]["categories"][1]["sections"] == [course["sections"][1]["id"]]
    attempt(client, cid, ids["Q1"], right=True)   # 10/10
    attempt(client, cid, ids["Q3"], right=True)   # 20/20; Q2 (0/10) is dropped as the lowest
    staff_client.post(f"/api/v1/courses/{cid}/attempts/",
                      {"content_id": ids["Project"], "user_id": ada.pk, "marks": 20}, format="json")
    progress = settled(client, cid, 3)
    # Quizzes 30/30 → 100% × 40 + Project 20/40 → 50% × 60 = 70.
    assert (progress["grade_percent"], progress["letter"], progress["passed"]) == (70.0, "B", True)
    passed_at = progress["passed_at"]
    assert passed_at is not None
    staff_client.post(f"/api/v1/courses/{cid}/attempts/",
                      {"content_id": ids["Project"], "user_id": ada.pk, "marks": 40}, format="json")
    better = settled(client, cid, 4)
    assert (better["grade_percent"], better["letter"]) == (100.0, "A")
    assert better["passed_at"] == passed_at  # kept like completed_at


@pytest.mark.parametrize(("grading", "message"), [
    ({"categories": [{"name": "Q", "kinds": ["quiz"], "weight": 50}]}, "add up to 50"),
    ({"categories": [{"name": "Q", "sections": ["nowhere"], "weight": 100}]}, "'nowhere' is not a section"),
    ({"categories": [{"name": "Q", "kinds": ["quiz"], "weight": 100}],
      "letters": [{"letter": "B", "min_percent": 70}, {"letter": "A", "min_percent": 85}]}, "highest"),
    ({"categories": [{"name": "Q", "kinds": ["quiz"], "weight": 100, "drop_lowest": 3}]}, "keep at least one"),
    ({"categories": [{"name": "Q", "kinds": ["quiz"], "sections": ["s-basics"], "weight": 100}]}, "either kinds or sections"),
])
def test_a_grading_policy_that_cannot_work_is_refused_with_400(staff_client, grading, message):
    response = staff_client.post("/api/v1/courses/", graded_course(grading=grading), format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_grading"
    assert message in response.json()["detail"]


def past(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_late_work_is_marked_and_penalised_per_started_day_up_to_the_cap(learner_in, celery_worker):
    payload = graded_course(late_policy={"mode": "penalty_percent", "percent_per_day": 10,
                                         "max_percent": 25})
    lesson = payload["sections"][0]["lessons"][0]["items"]
    lesson[0]["due_at"] = past(1.5)   # Q1: two started days late → 20%
    lesson[1]["due_at"] = past(10)    # Q2: ten days late → capped at 25%
    course, ids, _, client = learner_in(payload)
    cid = course["id"]
    first = attempt(client, cid, ids["Q1"]).json()
    assert (first["late"], first["penalty_percent"], first["marks"]) == (True, 20.0, 8.0)
    second = attempt(client, cid, ids["Q2"]).json()
    assert (second["penalty_percent"], second["marks"]) == (25.0, 7.5)
    on_time = attempt(client, cid, ids["Q3"]).json()
    assert (on_time["late"], on_time["marks"]) == (False, 20.0)
    items = {i["id"]: i for i in settled(client, cid, 3)["items"]}
    assert items[ids["Q1"]]["late"] and items[ids["Q1"]]["best_marks"] == 8
    assert not items[ids["Q3"]]["late"]


def test_a_course_that_refuses_late_work_answers_403_past_due(learner_in):
    payload = graded_course(late_policy={"mode": "refuse"})
    payload["sections"][0]["lessons"][0]["items"][0]["due_at"] = past(1)
    course, ids, _, client = learner_in(payload)
    refused = attempt(client, course["id"], ids["Q1"])
    assert refused.status_code == 403 and refused.json()["code"] == "past_due"
    assert attempt(client, course["id"], ids["Q2"]).status_code == 202  # no due date


def test_a_due_date_relative_to_enrollment_and_due_soon(learner_in, celery_worker):
    payload = graded_course()
    items = payload["sections"][0]["lessons"][0]["items"]
    items[0]["due_after_days"] = 3    # due three days after Ada enrolled: due soon
    items[1]["due_after_days"] = 30   # not soon
    course, ids, _, client = learner_in(payload)
    progress = settled(client, course["id"], 0)
    assert [entry["id"] for entry in progress["due_soon"]] == [ids["Q1"]]
    due = datetime.fromisoformat(progress["due_soon"][0]["due_at"].replace("Z", "+00:00"))
    assert timedelta(days=2, hours=23) < due - datetime.now(UTC) <= timedelta(days=3)
    # The date it enters the list is when this progress must be recomputed.
    assert progress["valid_until"] is not None
    attempt(client, course["id"], ids["Q1"])
    assert settled(client, course["id"], 1)["due_soon"] == []
