"""Unlock rules through the API: stored as ids, validated on save, enforced on attempts."""
from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta

import pytest

from learning.documents import Course
from tests.factories import item_ids, rules_course_payload

pytestmark = pytest.mark.django_db


def _by_title(course: dict) -> dict[str, dict]:
    found = {}
    for section in course["sections"]:
        found[section["title"]] = section
        for lesson in section["lessons"]:
            found[lesson["title"]] = lesson
            for item in lesson["items"]:
                found[item["title"]] = item
    return found


def test_rules_given_by_key_are_stored_with_ids(staff_client):
    response = staff_client.post("/api/v1/courses/", rules_course_payload(), format="json")
    assert response.status_code == 201, response.content
    el = _by_title(response.json())
    assert el["Core"]["rules"] == {"completed": el["Start here"]["id"]}
    assert el["Statistics"]["rules"] == {"completed": el["Quiz 1"]["id"], "min_score_percent": 60}
    assert el["Project"]["rules"] == {"all": [
        {"completed": el["The mean"]["id"]},
        {"any": [{"available_after_days": 7}, {"available_from": "2030-01-01T00:00:00Z"}]}]}


@pytest.mark.parametrize(("rule", "message"), [
    ({"completed": "no-such-key"}, "refers to 'no-such-key', which is not in this course"),
    ({"completed": "quiz-1", "min_score_percent": 150}, "min_score_percent must be a number from 0 to 100"),
    ({"available_from": "next tuesday"}, "available_from must be an ISO 8601 date-time"),
    ({"available_after_days": -1}, "available_after_days must be a whole number of days"),
    ({"all": []}, "'all' needs a non-empty list of conditions"),
    ({"sometimes": True}, "a condition needs exactly one of"),
    ({"completed": "quiz-1", "available_after_days": 3}, "a condition needs exactly one of"),
    ([{"completed": "quiz-1"}], "a condition must be a non-empty JSON object"),
])
def test_invalid_rules_are_rejected_with_the_reason(staff_client, rule, message):
    payload = rules_course_payload()
    payload["sections"][1]["lessons"][0]["rules"] = rule
    response = staff_client.post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_rule"
    assert message in response.json()["detail"]
    assert "lesson 'Statistics'" in response.json()["detail"]
    assert Course.objects.count() == 0


def test_rules_that_wait_on_each_other_are_rejected_as_a_cycle(staff_client):
    payload = rules_course_payload()
    welcome = payload["sections"][0]["lessons"][0]["items"][0]
    welcome["rules"] = {"completed": "project"}  # the project (in Core) needs the intro done first
    response = staff_client.post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "rule_cycle"
    assert "'Welcome video'" in response.json()["detail"]


def test_an_item_requiring_its_own_lesson_is_a_cycle(staff_client):
    payload = rules_course_payload()
    payload["sections"][0]["lessons"][0]["items"][1]["rules"] = {"completed": "l-welcome"}
    response = staff_client.post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "rule_cycle"


def test_sequential_order_against_a_later_prerequisite_is_a_cycle(staff_client):
    payload = rules_course_payload()
    payload["unlock_mode"] = "sequential"
    payload["sections"][0]["lessons"][0]["items"][1]["rules"] = {"completed": "article-mean"}
    response = staff_client.post("/api/v1/courses/", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "rule_cycle"


def test_update_rejects_a_cycle_and_keeps_the_stored_course(staff_client):
    course = staff_client.post("/api/v1/courses/", rules_course_payload(), format="json").json()
    changed = copy.deepcopy(course)
    el = _by_title(changed)
    el["Quiz 1"]["rules"] = {"completed": el["Project"]["id"]}
    response = staff_client.put(f"/api/v1/courses/{course['id']}/", changed, format="json")
    assert response.status_code == 400 and response.json()["code"] == "rule_cycle"
    assert staff_client.get(f"/api/v1/courses/{course['id']}/").json() == course


def test_attempting_a_rule_locked_item_answers_403_with_the_reason(staff_client, make_user, client_for):
    course = staff_client.post("/api/v1/courses/", rules_course_payload(), format="json").json()
    learner = client_for(make_user("lee"))
    assert learner.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    mean = _by_title(course)["The mean"]["id"]
    response = learner.post(f"/api/v1/courses/{course['id']}/attempts/",
                            {"content_id": mean, "completed": True}, format="json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "item_locked"
    assert body["locked"]["code"] == "lesson_locked"
    assert body["detail"] == ("'The mean' is locked: The lesson 'Statistics' is locked: "
                              "Complete 'Quiz 1' with at least 60%")


def test_progress_lists_locked_elements_with_reasons(staff_client, make_user, client_for):
    course = staff_client.post("/api/v1/courses/", rules_course_payload(), format="json").json()
    learner = client_for(make_user("lee"))
    learner.post(f"/api/v1/courses/{course['id']}/enroll/")
    progress = learner.get(f"/api/v1/courses/{course['id']}/progress/?fresh=true").json()
    reasons = {e["title"]: e["reason"] for e in progress["locked"]}
    assert reasons["Core"] == "Complete 'Start here'"
    # An element's own unmet conditions are its reason; the container's only when it has none.
    assert reasons["Statistics"] == "Complete 'Quiz 1' with at least 60%"
    assert reasons["Project"].startswith("Complete 'The mean'; One of: Opens on ")


def test_a_date_unlock_shows_on_the_first_read_after_the_date(staff_client, make_user, client_for):
    opens = (datetime.now(UTC) + timedelta(seconds=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {"title": "Timed", "slug": "timed", "unlock_mode": "open", "published": True,
               "sections": [{"title": "S", "lessons": [{"title": "L", "items": [
                   {"title": "Now", "kind": "video"},
                   {"title": "Later", "kind": "video", "rules": {"available_from": opens}}]}]}]}
    course = staff_client.post("/api/v1/courses/", payload, format="json").json()
    now_item, later_item = item_ids(course)
    learner = client_for(make_user("lee"))
    learner.post(f"/api/v1/courses/{course['id']}/enroll/")
    before = learner.get(f"/api/v1/courses/{course['id']}/progress/?fresh=true").json()
    assert later_item not in before["unlocked"]["items"]
    assert before["valid_until"] == opens
    time.sleep(max(0.0, (datetime.fromisoformat(opens) - datetime.now(UTC)).total_seconds()) + 0.2)
    after = learner.get(f"/api/v1/courses/{course['id']}/progress/").json()  # no new attempt
    assert later_item in after["unlocked"]["items"]
    assert now_item in after["unlocked"]["items"]
