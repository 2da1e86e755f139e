"""The gradebook export: streamed CSV, one row per learner, one column per item, totals, safe cells."""
from __future__ import annotations

import csv
import io

import pytest
from django.http import StreamingHttpResponse

from api.learning.enrollments import csv_cell
from learning.services import profile_upsert
from tests.api.conftest import assert_error, token_client

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _gradebook(world) -> tuple[StreamingHttpResponse, list[list[str]]]:
    response = world.staff.get(world.course + "gradebook.csv")
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(text)))


def test_one_row_per_learner_one_column_per_item_then_totals_and_grade(world):
    world.quiz1_attempt(world.ada, right=2)
    world.grade(world.ada_id, 15)
    world.attempt(world.bob, {"content_id": world.video, "completed": True})
    world.settled(world.ada, lambda p: p["marks_obtained"] == 25)
    world.settled(world.bob, lambda p: p["completed_items"] == 1)

    response, rows = _gradebook(world)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="gradebook-intro-python.csv"'
    header = rows[0]
    assert header[:3] == ["user_id", "username", "display_name"]
    assert header[3:8] == [f"Watch: variables [{world.video}]", f"Quiz 1 [{world.quiz1}]",
                           f"Homework [{world.homework}]", f"Read: if [{world.article}]",
                           f"Quiz 2 [{world.quiz2}]"]
    assert header[8:] == ["completed_items", "total_items", "completion_percent",
                          "marks_obtained", "marks_total", "grade_percent", "letter", "passed",
                          "completed_at"]
    by_user = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_user) == {world.ada_id, world.bob_id}
    ada, bob = by_user[world.ada_id], by_user[world.bob_id]
    assert (ada["username"], ada["display_name"]) == ("ada", "Ada")
    assert [ada[h] for h in header[3:8]] == ["0", "10", "15", "0", ""]
    assert [bob[h] for h in header[3:8]] == ["1", "", "", "0", ""]
    assert (ada["marks_obtained"], ada["marks_total"], ada["grade_percent"], ada["passed"]) == \
        ("25", "34", "73.53", "True")
    assert bob["completed_items"] == "1"


def test_the_export_streams_in_chunks_of_learners(world, make_user, settings):
    settings.GRADEBOOK_BATCH_SIZE = 2
    for n in range(5):
        learner = make_user(f"extra{n}")
        assert token_client(learner).post(world.course + "enroll/").status_code == 201
    response = world.staff.get(world.course + "gradebook.csv")
    chunks = list(response.streaming_content)
    # The header, then 7 learners two at a time: nothing is held for the whole course.
    assert len(chunks) == 1 + 4
    assert [len(list(csv.reader(io.StringIO(c.decode())))) for c in chunks] == [1, 2, 2, 2, 1]


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(world):
    profile_upsert(user_id=world.ada_id, display_name="=HYPERLINK(\"http://x\")")
    profile_upsert(user_id=world.bob_id, display_name="@SUM(A1)")
    _, rows = _gradebook(world)
    names = {row[2] for row in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://x\")", "'@SUM(A1)"}
    assert [csv_cell(v) for v in ("+1", "-2", "\tx", "plain", 5, -3, None)] == \
        ["'+1", "'-2", "'\tx", "plain", 5, -3, ""]


def test_a_learner_who_left_is_not_in_the_gradebook(world):
    assert world.ada.delete(world.course + "enroll/").status_code == 204
    _, rows = _gradebook(world)
    assert [int(row[0]) for row in rows[1:]] == [world.bob_id]


def test_only_staff_export_the_gradebook_and_errors_are_json(world):
    assert_error(world.ada.get(world.course + "gradebook.csv"), 403)
    missing = world.staff.get("/api/v1/courses/0123456789abcdef01234567/gradebook.csv",
                              HTTP_ACCEPT="text/csv")
    assert_error(missing, 404)
