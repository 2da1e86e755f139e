"""Progress reads: cache first, then MongoDB, then computed; `pending`, `computed_at`, `fresh`."""
from __future__ import annotations

import json

import pytest
import redis
from django.conf import settings

from progress.documents import CourseProgress
from progress.services import progress_recalculate
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(progress_queue_paused, staff_client, make_user, client_for):
    """A learner enrolled in the Python course; recalculations run only when a test calls them."""
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    user = make_user("lee")
    client = client_for(user)
    client.post(f"/api/v1/courses/{course['id']}/enroll/")
    return course, user, client


def test_progress_is_pending_until_the_queued_recalculation_ran(enrolled):
    course, user, client = enrolled
    cid = course["id"]
    progress_recalculate(user_id=user.pk, course_id=cid)  # what the worker does after enrolling
    client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": item_ids(course)[0], "completed": True},
                format="json")
    before = client.get(f"/api/v1/courses/{cid}/progress/").json()  # the worker is not consuming `progress`
    assert before["pending"] is True
    assert before["completed_items"] == 0
    progress_recalculate(user_id=user.pk, course_id=cid)
    after = client.get(f"/api/v1/courses/{cid}/progress/").json()
    assert after["pending"] is False
    assert after["completed_items"] == 1
    assert after["computed_at"].endswith("Z")


def test_fresh_read_computes_now_for_the_learner(enrolled):
    course, user, client = enrolled
    cid = course["id"]
    progress_recalculate(user_id=user.pk, course_id=cid)
    client.post(f"/api/v1/courses/{cid}/attempts/", {"content_id": item_ids(course)[0], "completed": True},
                format="json")
    assert client.get(f"/api/v1/courses/{cid}/progress/").json()["completed_items"] == 0
    fresh = client.get(f"/api/v1/courses/{cid}/progress/?fresh=true").json()
    assert fresh["completed_items"] == 1 and fresh["completion_percent"] == 20.0


def test_reads_come_from_the_cache_before_mongodb(enrolled):
    course, user, client = enrolled
    cid = course["id"]
    progress_recalculate(user_id=user.pk, course_id=cid)
    CourseProgress.objects(user_id=user.pk).update_one(set__completion_percent=55.5)
    assert client.get(f"/api/v1/courses/{cid}/progress/").json()["completion_percent"] == 0.0
    redis.Redis.from_url(settings.REDIS_URL).delete(f"user:{user.pk}:course:{cid}:progress")
    assert client.get(f"/api/v1/courses/{cid}/progress/").json()["completion_percent"] == 55.5
    # ... and the MongoDB value went back into the cache.
    assert redis.Redis.from_url(settings.REDIS_URL).exists(f"user:{user.pk}:course:{cid}:progress")


def test_first_read_with_nothing_stored_computes(enrolled):
    course, _, client = enrolled
    body = client.get(f"/api/v1/courses/{course['id']}/progress/").json()
    assert body["total_items"] == 5 and body["completed_items"] == 0 and body["computed_at"]


def test_staff_read_another_learners_progress(enrolled, staff_client):
    course, user, _ = enrolled
    body = staff_client.get(f"/api/v1/courses/{course['id']}/progress/?user_id={user.pk}").json()
    assert body["user_id"] == user.pk and body["total_items"] == 5


def test_a_learner_cannot_read_another_learners_progress(enrolled, make_user, client_for, staff):
    course, user, _ = enrolled
    other = client_for(make_user("max"))
    other.post(f"/api/v1/courses/{course['id']}/enroll/")
    response = other.get(f"/api/v1/courses/{course['id']}/progress/?user_id={user.pk}")
    assert response.status_code == 403 and response.json()["code"] == "staff_only"


def test_progress_read_back_from_mongodb_shows_the_same_unlocks_and_locks(enrolled):
    """The lock details are stored as facts in one JSON text; a read that misses the cache words
    them exactly as the recalculation did."""
    course, user, client = enrolled
    cid = course["id"]
    current = progress_recalculate(user_id=user.pk, course_id=cid)
    redis.Redis.from_url(settings.REDIS_URL).delete(f"user:{user.pk}:course:{cid}:progress")
    body = client.get(f"/api/v1/courses/{cid}/progress/").json()
    assert body["unlocked"] == current["unlocked"] and body["unlocked"]["items"] == [item_ids(course)[0]]
    assert body["locked"] == current["locked"] and len(body["locked"]) == 6  # 4 items, a lesson, a section
    doc = CourseProgress._get_collection().find_one({"user_id": user.pk})
    stored = json.loads(doc["unlock_state"])  # facts only: the reasons are worded when read
    assert stored["unlocked"] == current["unlocked"]
    assert [e["id"] for e in stored["locked"]] == [e["id"] for e in current["locked"]]
    assert "reason" not in doc["unlock_state"] and "title" not in doc["unlock_state"]


