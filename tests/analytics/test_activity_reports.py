"""Activity events (enroll, attempt, completion) and the staff analytics endpoints."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from analytics.documents import ActivityLog
from analytics.services import activity_log_write
from learning.documents import Enrollment
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db

COURSE_A = "0123456789abcdef01234567"
COURSE_B = "fedcba9876543210fedcba98"


def two_section_course() -> dict:
    return {"title": "Short course", "slug": "short-course", "published": True,
            "unlock_mode": "open", "sections": [
                {"title": "One", "lessons": [{"title": "L1", "items": [
                    {"title": "Read 1", "kind": "article"}, {"title": "Read 2", "kind": "article"}]}]},
                {"title": "Two", "lessons": [{"title": "L2", "items": [
                    {"title": "Read 3", "kind": "article"},
                    {"title": "Extra", "kind": "article", "optional": True}]}]}]}


def event(*, user_id: int, verb: str, when: datetime, course_id: str = COURSE_A) -> None:
    activity_log_write(event_id=f"{user_id}:{verb}:{when.isoformat()}:{course_id}",
                       user_id=user_id, verb=verb, course_id=course_id, item_id=None, data={},
                       occurred_at=when)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_enroll_attempt_and_completion_events_are_logged_and_completion_only_once(
        staff_client, make_user, client_for, celery_worker):
    course = staff_client.post("/api/v1/courses/", two_section_course(), format="json").json()
    cid = course["id"]
    items = [i["id"] for s in course["sections"] for lesson in s["lessons"] for i in lesson["items"]]
    ada = make_user("ada")
    learner = client_for(ada)
    assert learner.post(f"/api/v1/courses/{cid}/enroll/").status_code == 201
    def attempt(item):
        response = learner.post(f"/api/v1/courses/{cid}/attempts/",
                                {"content_id": item, "completed": True}, format="json")
        assert response.status_code == 202

    def settled(attempts: int, seq: int = 0):
        progress = learner.get(f"/api/v1/courses/{cid}/progress/").json()
        logged = ActivityLog.objects(user_id=ada.pk, verb="attempted").count()
        done = progress["completion_percent"] == 100 and not progress["pending"]
        return progress if done and logged == attempts and progress["seq"] > seq else None

    for item in items[:3]:
        attempt(item)
    first = wait_until(lambda: settled(3))
    wait_until(lambda: ActivityLog.objects(user_id=ada.pk, verb="completed_course").count())
    attempt(items[0])  # one more attempt on a completed course recalculates it again
    wait_until(lambda: settled(4, first["seq"]))
    verbs = sorted(e.verb for e in ActivityLog.objects(user_id=ada.pk))
    assert verbs == ["attempted"] * 4 + ["completed_course", "enrolled"]
    completion = ActivityLog.objects.get(user_id=ada.pk, verb="completed_course")
    assert str(completion.course_id) == cid
    assert completion.day == completion.occurred_at.date().isoformat()


def test_funnel_counts_learners_per_section_and_median_time_to_complete(
        staff_client, make_user, client_for, celery_worker):
    course = staff_client.post("/api/v1/courses/", two_section_course(), format="json").json()
    cid = course["id"]
    items = [i["id"] for s in course["sections"] for lesson in s["lessons"] for i in lesson["items"]]
    plans = {"ada": items[:3], "bob": items[:3], "cy": items[:2], "dee": [], "eve": items[3:]}
    users = {}
    for name, plan in plans.items():
        users[name] = make_user(name)
        client = client_for(users[name])
        assert client.post(f"/api/v1/courses/{cid}/enroll/").status_code == 201
        for item in plan:
            assert client.post(f"/api/v1/courses/{cid}/attempts/",
                               {"content_id": item, "completed": True},
                               format="json").status_code == 202

    expected = [("enrolled", 5, 100.0), ("started", 4, 80.0), ("section: One", 3, 60.0),
                ("section: Two", 2, 40.0), ("completed", 2, 40.0)]

    def funnel():
        # Recalculations of one learner may be spread over the coalescing interval: wait for
        # every learner's last one rather than for the first learners to finish.
        body = staff_client.get(f"/api/v1/analytics/courses/{cid}/funnel/").json()
        stages = [(s["stage"], s["learners"], s["percent"]) for s in body["stages"]]
        return body if stages == expected else None

    body = wait_until(funnel)
    assert body["title"] == "Short course"

    # Time to complete runs from enrollment: back-date the two completers' enrollments.
    now = datetime.now(UTC)
    for name, days in (("ada", 2), ("bob", 4)):
        Enrollment.objects(user_id=users[name].pk, course_id=ObjectId(cid)).update_one(
            set__enrolled_at=now - timedelta(days=days))
    timing = staff_client.get(f"/api/v1/analytics/courses/{cid}/completion-time/").json()
    assert timing["completed"] == 2
    assert timing["median_days"] == pytest.approx(3, abs=0.01)


def test_daily_active_learners_count_each_learner_once_per_day(staff_client):
    event(user_id=1, verb="enrolled", when=at(1, 9))
    event(user_id=1, verb="attempted", when=at(1, 10))
    event(user_id=2, verb="attempted", when=at(1, 23))
    event(user_id=1, verb="attempted", when=at(3))
    event(user_id=3, verb="attempted", when=at(3), course_id=COURSE_B)
    event(user_id=4, verb="attempted", when=at(5))  # outside the range
    response = staff_client.get("/api/v1/analytics/active-learners/",
                                {"from": "2026-03-01", "to": "2026-03-04"})
    assert response.status_code == 200
    assert response.json()["days"] == [
        {"day": "2026-03-01", "learners": 2}, {"day": "2026-03-02", "learners": 0},
        {"day": "2026-03-03", "learners": 2}, {"day": "2026-03-04", "learners": 0}]
    only_b = staff_client.get("/api/v1/analytics/active-learners/",
                              {"from": "2026-03-03", "to": "2026-03-03", "course_id": COURSE_B})
    assert only_b.json()["days"] == [{"day": "2026-03-03", "learners": 1}]


def test_attempts_per_day_count_only_attempts(staff_client):
    event(user_id=1, verb="enrolled", when=at(2))
    event(user_id=1, verb="attempted", when=at(2, 1))
    event(user_id=1, verb="attempted", when=at(2, 2))
    event(user_id=2, verb="attempted", when=at(3))
    event(user_id=2, verb="completed_course", when=at(3, 13))
    body = staff_client.get("/api/v1/analytics/attempts-per-day/",
                            {"from": "2026-03-02", "to": "2026-03-03"}).json()
    assert body["from"] == "2026-03-02" and body["to"] == "2026-03-03"
    assert body["days"] == [{"day": "2026-03-02", "attempts": 2},
                            {"day": "2026-03-03", "attempts": 1}]


def test_the_default_range_is_the_last_30_days(staff_client):
    body = staff_client.get("/api/v1/analytics/attempts-per-day/").json()
    assert len(body["days"]) == 30
    assert body["to"] == datetime.now(UTC).date().isoformat()


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "2026-13-01"}, "from", "Date has wrong format"),
    ({"to": "yesterday"}, "to", "Date has wrong format"),
    ({"from": "2026-03-05", "to": "2026-03-01"}, "from", "must not be after"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "at most 366 days"),
])
def test_bad_date_ranges_are_refused_with_a_message(staff_client, params, field, message):
    response = staff_client.get("/api/v1/analytics/active-learners/", params)
    assert response.status_code == 400
    assert message in str(response.json()[field])


def test_a_bad_course_id_is_refused(staff_client):
    response = staff_client.get("/api/v1/analytics/attempts-per-day/", {"course_id": "nope"})
    assert response.status_code == 400
    assert "course_id" in response.json()["detail"]
    assert staff_client.get("/api/v1/analytics/courses/nope/funnel/").status_code == 400
    assert staff_client.get(f"/api/v1/analytics/courses/{COURSE_A}/funnel/").status_code == 404


def test_reports_are_for_staff_only(make_user, client_for):
    learner = client_for(make_user("ada"))
    for url in ("/api/v1/analytics/active-learners/", "/api/v1/analytics/attempts-per-day/",
                f"/api/v1/analytics/courses/{COURSE_A}/funnel/",
                f"/api/v1/analytics/courses/{COURSE_A}/completion-time/"):
        assert learner.get(url).status_code == 403
