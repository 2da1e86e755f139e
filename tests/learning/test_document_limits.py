"""The largest course the API accepts, with the longest titles, stores documents well under
MongoDB's 16 MB limit (mongomock enforces none, so the sizes are computed here)."""
from __future__ import annotations

import json

import bson
import pytest
from bson import ObjectId
from django.conf import settings

from learning.documents import Course
from progress.documents import CourseProgress
from progress.services import progress_recalculate

pytestmark = pytest.mark.django_db

MONGODB_LIMIT = 16 * 1024 * 1024
# "Well under": a quarter of the limit leaves room for fields added later.
BUDGET = MONGODB_LIMIT // 4


def outline(items: int, title_length: int, per_lesson: int = 50) -> list[dict]:
    """`items` sequential videos, each titled with `title_length` characters."""
    def title(prefix: str, n: int) -> str:
        return f"{prefix}{n}-".ljust(title_length, "x")

    lessons = [{"title": title("L", n), "items": [{"title": title("I", n * per_lesson + i),
                                                   "kind": "video"}
                                                  for i in range(min(per_lesson, items - n * per_lesson))]}
               for n in range((items + per_lesson - 1) // per_lesson)]
    return [{"title": title("S", n), "lessons": lessons[n * 10:n * 10 + 10]}
            for n in range((len(lessons) + 9) // 10)]


def largest_accepted(title_length: int) -> tuple[dict, int]:
    """A course body at the limits: as many items as MAX_COURSE_ITEMS and the body size allow."""
    items = settings.MAX_COURSE_ITEMS
    while True:
        body = {"title": "T" * 200, "slug": "largest", "unlock_mode": "sequential",
                "published": True, "sections": outline(items, title_length)}
        if len(json.dumps(body)) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return body, items
        items = int(items * 0.95)


def stored_size(collection, query: dict) -> int:
    return len(bson.encode(collection.find_one(query)))


@pytest.mark.parametrize("title_length", [1, 200], ids=["most-items", "longest-titles"])
def test_the_largest_course_and_its_progress_stay_well_under_16_mb(staff_client, make_user,
                                                                   client_for, title_length):
    body, items = largest_accepted(title_length)
    created = staff_client.post("/api/v1/courses/", body, format="json")
    assert created.status_code == 201, created.content[:300]
    course_id = created.json()["id"]
    learner = make_user("ada")
    client_for(learner).post(f"/api/v1/courses/{course_id}/enroll/")
    payload = progress_recalculate(user_id=learner.pk, course_id=course_id)
    assert payload["total_items"] == items and len(payload["locked"]) >= items - 1

    course_bytes = stored_size(Course._get_collection(), {"_id": ObjectId(course_id)})
    progress_bytes = stored_size(CourseProgress._get_collection(), {"user_id": learner.pk})
    print(f"{items} items, titles of {title_length}: course {course_bytes / 2**20:.2f} MB, "
          f"progress {progress_bytes / 2**20:.2f} MB")
    assert course_bytes < BUDGET
    assert progress_bytes < BUDGET
