"""Staff views of a course: every learner's progress (sorted, paginated) and a summary."""
from __future__ import annotations

import pytest

from progress.services import progress_recalculate
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def course_with_learners(staff_client, make_user, client_for):
    """Four learners at 0%, 20%, 40% and 100% of the five-item course."""
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    cid = course["id"]
    video, quiz1, homework, article, quiz2 = item_ids(course)
    steps = [
        {"content_id": video, "completed": True},
        {"content_id": quiz1, "answers": [1, 0]},
        "homework",
        {"content_id": article, "completed": True},
        {"content_id": quiz2, "answers": [1]},
    ]
    users = {}
    for name, done in (("zero", 0), ("one", 1), ("two", 2), ("all", 5)):
        user = make_user(name)
        client = client_for(user)
        client.post(f"/api/v1/courses/{cid}/enroll/")
        for step in steps[:done]:
            if step == "homework":
                body, sender = {"content_id": homework, "user_id": user.pk, "marks": 15}, staff_client
            else:
                body, sender = step, client
            assert sender.post(f"/api/v1/courses/{cid}/attempts/", body, format="json").status_code == 202
        progress_recalculate(user_id=user.pk, course_id=cid)
        users[name] = user
    return cid, users


def test_staff_list_learners_progress_sorted_and_paginated(staff_client, course_with_learners):
    cid, users = course_with_learners
    page = staff_client.get(f"/api/v1/courses/{cid}/progress/learners/?limit=2").json()
    assert page["count"] == 4
    assert [(r["display_name"], r["completion_percent"]) for r in page["results"]] == [
        ("All", 100.0), ("Two", 40.0)]
    rest = staff_client.get(f"/api/v1/courses/{cid}/progress/learners/?limit=2&offset=2").json()
    assert [r["completion_percent"] for r in rest["results"]] == [20.0, 0.0]
    by_marks = staff_client.get(f"/api/v1/courses/{cid}/progress/learners/?ordering=marks_obtained").json()
    assert [r["marks_obtained"] for r in by_marks["results"]] == [0, 0, 10, 29]


def test_staff_summary_counts_enrolled_mean_and_distribution(staff_client, course_with_learners, make_user,
                                                            client_for):
    cid, _ = course_with_learners
    # A fifth learner enrolls, and their first recalculation has not run: they count as 0%.
    late = make_user("late")
    client_for(late).post(f"/api/v1/courses/{cid}/enroll/")
    summary = staff_client.get(f"/api/v1/courses/{cid}/progress/summary/").json()
    assert summary["enrolled"] == 5
    assert summary["completed"] == 1
    assert summary["mean_completion_percent"] == 32.0  # (0 + 20 + 40 + 100 + 0) / 5
    counts = {b["from_percent"]: b["learners"] for b in summary["distribution"]}
    assert counts == {0: 2, 10: 0, 20: 1, 30: 0, 40: 1, 50: 0, 60: 0, 70: 0, 80: 0, 90: 1}


def test_learners_cannot_see_the_staff_views(course_with_learners, client_for):
    cid, users = course_with_learners
    learner = client_for(users["two"])
    assert learner.get(f"/api/v1/courses/{cid}/progress/learners/").status_code == 403
    assert learner.get(f"/api/v1/courses/{cid}/progress/summary/").status_code == 403


def test_staff_views_reject_unknown_ordering(staff_client, course_with_learners):
    cid, _ = course_with_learners
    response = staff_client.get(f"/api/v1/courses/{cid}/progress/learners/?ordering=password")
    assert response.status_code == 400 and "ordering" in response.json()
