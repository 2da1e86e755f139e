"""Honest scores: attempt limits, cooldowns and when marks are shown, so the answer key cannot be
read off the responses and boards cannot be maxed out by trial and error."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.django_db

FUTURE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
PAST = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def quiz_course(*, policy: dict, due_at: str | None = None, slug: str = "policy") -> dict:
    """One open course: a three-question quiz (four choices each, answers 2, 0, 3), then homework;
    `due_at` on both."""
    quiz = {"title": "Key quiz", "kind": "quiz", "questions": [
        {"prompt": f"Q{n}", "choices": ["a", "b", "c", "d"], "answer": answer, "marks": 1}
        for n, answer in enumerate((2, 0, 3), 1)]}
    homework = {"title": "Homework", "kind": "assignment", "max_marks": 10}
    if due_at:
        quiz["due_at"] = homework["due_at"] = due_at
    return {"title": "Policies", "slug": slug, "unlock_mode": "open", "published": True,
            "attempt_policy": policy,
            "sections": [{"title": "S", "lessons": [{"title": "L", "items": [quiz, homework]}]}]}


@pytest.fixture
def enroll(staff_client, make_user, client_for):
    def make(payload: dict, username: str = "eve"):
        created = staff_client.post("/api/v1/courses/", payload, format="json")
        assert created.status_code == 201, created.content
        course = created.json()
        learner = make_user(username)
        client = client_for(learner)
        client.post(f"/api/v1/courses/{course['id']}/enroll/")
        quiz = course["sections"][0]["lessons"][0]["items"][0]["id"]
        return course["id"], quiz, learner, client

    return make


def submit(client, course_id: str, quiz: str, answers: list):
    return client.post(f"/api/v1/courses/{course_id}/attempts/",
                       {"content_id": quiz, "answers": answers}, format="json")


def test_one_question_at_a_time_with_three_attempts_and_hidden_marks_recovers_nothing(
        enroll, staff_client, celery_worker):
    """The attack: answer one question, leave the rest blank, watch the marks. With three
    attempts and marks shown only after the due date, every answer looks the same to the
    learner, the fourth attempt is refused, and nothing shows on progress or the board."""
    course_id, quiz, eve, client = enroll(quiz_course(
        policy={"max_attempts": 3, "reveal_marks": "after_due"}, due_at=FUTURE))
    probes = [[2, None, None], [0, None, None], [1, None, None]]  # right, wrong, wrong
    answers = [submit(client, course_id, quiz, probe) for probe in probes]
    assert [a.status_code for a in answers] == [202, 202, 202]
    shown = [{k: v for k, v in a.json().items() if k not in ("attempt_id", "submitted_at")}
             for a in answers]
    assert shown[0] == shown[1] == shown[2]  # right and wrong answers look the same
    assert shown[0]["marks"] is None and shown[0]["marks_hidden"] is True
    refused = submit(client, course_id, quiz, [3, None, None])
    assert refused.status_code == 403 and refused.json()["code"] == "max_attempts_reached"

    def settled():
        body = client.get(f"/api/v1/courses/{course_id}/progress/").json()
        return body if not body["pending"] and body["seq"] >= 3 else None

    progress = wait_until(settled)
    assert progress["marks_obtained"] == 0 and progress["marks_hidden"] is True
    me = wait_until(lambda: (b := client.get(f"/api/v1/courses/{course_id}/leaderboard/me/").json())
                    and not b["rebuilding"] and b)
    assert me["rank"] is None and me["score"] is None  # hidden marks do not count yet
    # Staff see the real marks.
    staff_view = staff_client.get(f"/api/v1/courses/{course_id}/progress/", {"user_id": eve.pk})
    assert staff_view.json()["marks_obtained"] == 1 and staff_view.json()["marks_hidden"] is False


def test_marks_shown_after_the_due_date_are_shown_and_counted_once_it_has_passed(enroll,
                                                                                celery_worker):
    course_id, quiz, eve, client = enroll(quiz_course(
        policy={"reveal_marks": "after_due"}, due_at=PAST))
    accepted = submit(client, course_id, quiz, [2, 0, None])
    assert accepted.status_code == 202 and accepted.json()["marks"] == 2
    assert accepted.json()["marks_hidden"] is False
    me = wait_until(lambda: (b := client.get(f"/api/v1/courses/{course_id}/leaderboard/me/").json())
                    and b["score"] == 2 and b)
    assert me["rank"] == 1


def test_marks_never_shown_stay_hidden_from_the_learner_and_off_the_board(enroll, celery_worker):
    course_id, quiz, eve, client = enroll(quiz_course(policy={"reveal_marks": "never"}))
    assert submit(client, course_id, quiz, [2, 0, 3]).json()["marks"] is None
    progress = wait_until(lambda: (b := client.get(f"/api/v1/courses/{course_id}/progress/").json())
                          and not b["pending"] and b["seq"] >= 1 and b)
    assert progress["marks_obtained"] == 0 and progress["marks_hidden"] is True
    board = wait_until(lambda: (b := client.get(f"/api/v1/courses/{course_id}/leaderboard/").json())
                       and not b["rebuilding"] and b)
    assert board["results"] == []


def test_a_cooldown_makes_the_learner_wait_between_attempts(enroll):
    course_id, quiz, _, client = enroll(quiz_course(policy={"cooldown_seconds": 1}))
    assert submit(client, course_id, quiz, [0, 0, 0]).status_code == 202
    early = submit(client, course_id, quiz, [1, 1, 1])
    assert early.status_code == 429 and early.json()["code"] == "attempt_cooldown"
    assert int(early["Retry-After"]) >= 1
    time.sleep(1.1)
    assert submit(client, course_id, quiz, [1, 1, 1]).status_code == 202


def test_two_simultaneous_attempts_cannot_both_take_the_last_one(enroll):
    course_id, quiz, _, client = enroll(quiz_course(policy={"max_attempts": 1}))
    start, codes = threading.Barrier(2), []

    def attempt() -> None:
        start.wait(timeout=10)
        codes.append(submit(client, course_id, quiz, [2, 0, 3]).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202, 403]


def test_an_item_may_override_the_course_default_and_staff_grading_is_never_limited(
        enroll, staff_client):
    payload = quiz_course(policy={"max_attempts": 1})
    homework = payload["sections"][0]["lessons"][0]["items"][1]
    homework["attempt_policy"] = {"max_attempts": 5}
    course_id, quiz, eve, client = enroll(payload)
    detail = staff_client.get(f"/api/v1/courses/{course_id}/").json()
    items = detail["sections"][0]["lessons"][0]["items"]
    assert detail["attempt_policy"] == {"max_attempts": 1, "cooldown_seconds": 0,
                                        "reveal_marks": "immediately"}
    assert items[1]["attempt_policy"] == {"max_attempts": 5}
    assert items[1]["effective_attempt_policy"]["max_attempts"] == 5
    assert items[0]["effective_attempt_policy"]["max_attempts"] == 1
    grade = {"content_id": items[1]["id"], "user_id": eve.pk, "marks": 7}
    codes = [staff_client.post(f"/api/v1/courses/{course_id}/attempts/", grade,
                               format="json").status_code for _ in range(7)]
    assert codes == [202] * 7


@pytest.mark.parametrize(("policy", "due_at", "field", "code"), [
    ({"reveal_marks": "after_due"}, None, None, "due_at_required"),
    ({"max_attempts": 0}, None, "attempt_policy", None),
    ({"reveal_marks": "sometimes"}, None, "attempt_policy", None),
    ({}, "2026-13-01T00:00:00Z", "sections", None),
])
def test_a_policy_or_due_date_that_cannot_work_is_refused_with_400(staff_client, policy, due_at,
                                                                   field, code):
    response = staff_client.post("/api/v1/courses/", quiz_course(policy=policy, due_at=due_at),
                                 format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert (code is None or body["code"] == code) and (field is None or field in body)
