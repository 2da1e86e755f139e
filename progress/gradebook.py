"""The gradebook of a course: one row per enrolled learner, one column per item, then totals.

Rows come in batches from one cursor over the course's enrollments in user order (index
course_id, user_id), each batch with one read of its progress documents and one of its names,
so memory stays the same for 100 learners or 100,000.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import orjson
from django.contrib.auth import get_user_model

from learning.documents import Enrollment, learner_course_key
from learning.outline import Outline
from learning.selectors import ENROLLED, object_id_parse, profiles_get_many
from progress.documents import CourseProgress

TOTALS = ("completed_items", "total_items", "completion_percent", "marks_obtained",
          "marks_total", "grade_percent", "letter", "passed", "completed_at")
_PROJECTION = {"user_id": 1, "results": 1, **{name: 1 for name in TOTALS}}


def gradebook_header(*, outline: Outline) -> list[str]:
    """Column names: the learner, each item by title and id, the totals."""
    return ["user_id", "username", "display_name",
            *(f"{item.title} [{item.id}]" for item in outline.items()), *TOTALS]


def gradebook_rows(*, outline: Outline, batch_size: int = 1000) -> Iterator[list[list]]:
    """Batches of rows, one per enrolled learner in user order. An item's cell holds its best
    marks (graded items, empty when not attempted) or 1/0 (completed or not); staff see every
    mark, hidden or not."""
    course_id = object_id_parse(outline.course_id, what="course_id")
    cursor = (Enrollment._get_collection()
              .find({"course_id": course_id, **ENROLLED}, {"_id": 0, "user_id": 1})
              .sort("user_id", 1).batch_size(batch_size))
    users = get_user_model().objects
    items = list(outline.items())
    while batch := [doc["user_id"] for doc in islice(cursor, batch_size)]:
        stored = {doc["user_id"]: doc for doc in CourseProgress._get_collection().find(
            {"_id": {"$in": [learner_course_key(u, course_id) for u in batch]}}, _PROJECTION)}
        names = profiles_get_many(user_ids=batch)
        usernames = dict(users.filter(pk__in=[u for u in batch if u > 0])
                         .values_list("pk", "username"))
        rows = []
        for user_id in batch:
            doc = stored.get(user_id, {})
            results = {entry["id"]: entry for entry in
                       orjson.loads(doc.get("results") or "{}").get("items", [])}
            rows.append([user_id, usernames.get(user_id, ""),
                         names.get(user_id, {}).get("display_name", ""),
                         *(_item_cell(item, results.get(item.id)) for item in items),
                         *(doc.get(name) for name in TOTALS)])
        yield rows


def _item_cell(item, result: dict | None):
    if item.max_marks > 0:
        return None if result is None else result.get("best_marks")
    return 1 if result is not None and result.get("completed") else 0
