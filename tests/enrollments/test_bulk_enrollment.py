"""Staff enroll many learners at once by id or username; rows that fail are reported one by one."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from learning.documents import Enrollment
from tests.api.conftest import assert_error
from tests.conftest import wait_until
from tests.factories import python_course_payload

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


@pytest.fixture
def course_id(staff_client) -> str:
    created = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                                format="json")
    assert created.status_code == 201, created.content
    return created.json()["id"]


def _bulk(staff_client, course_id: str, users) -> dict:
    response = staff_client.post(f"/api/v1/courses/{course_id}/enrollments/", {"users": users},
                                 format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_ids_and_usernames_are_enrolled_and_bad_rows_reported_with_their_index(
        staff_client, course_id, make_user, client_for, celery_worker):
    ada, bob, cy = make_user("ada"), make_user("bob"), make_user("cy")
    gone = make_user("gone")
    get_user_model().objects.filter(pk=gone.pk).update(is_active=False)
    assert client_for(cy).post(f"/api/v1/courses/{course_id}/enroll/").status_code == 201

    result = _bulk(staff_client, course_id, [ada.pk, "bob", "nobody", cy.pk, 987654, "ada",
                                             gone.pk, 1.5, None, ""])
    assert (result["requested"], result["enrolled"], result["already_enrolled"],
            result["failed"]) == (10, 2, 1, 7)
    assert [(e["index"], e["code"]) for e in result["errors"]] == [
        (2, "unknown_user"), (4, "unknown_user"), (5, "duplicate"), (6, "inactive_user"),
        (7, "invalid"), (8, "invalid"), (9, "invalid")]
    assert result["errors"][0]["value"] == "nobody" and "nobody" in result["errors"][0]["detail"]
    assert {e.user_id for e in Enrollment.objects} == {ada.pk, bob.pk, cy.pk}
    # Each new learner's first progress is computed like a single enrollment's.
    bob_client = client_for(bob)
    wait_until(lambda: bob_client.get(f"/api/v1/courses/{course_id}/progress/").json()
               .get("computed_at"))
    wait_until(lambda: Enrollment.objects(followup_pending=True).count() == 0)
    # Sending the list again changes nothing.
    again = _bulk(staff_client, course_id, [ada.pk, "bob"])
    assert (again["enrolled"], again["already_enrolled"]) == (0, 2)


def test_a_learner_who_left_is_brought_back_by_a_bulk_enrollment(
        staff_client, course_id, make_user, client_for, celery_worker):
    ada = make_user("ada")
    client = client_for(ada)
    assert client.post(f"/api/v1/courses/{course_id}/enroll/").status_code == 201
    assert client.delete(f"/api/v1/courses/{course_id}/enroll/").status_code == 204
    assert _bulk(staff_client, course_id, ["ada"])["enrolled"] == 1
    assert client.get(f"/api/v1/courses/{course_id}/progress/").status_code == 200


def test_learners_are_enrolled_in_bulk_reads_not_a_round_trip_each(
        staff_client, course_id, mongo_reads, celery_worker):
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"learner{n}") for n in range(1_200)])
    ids = [u.pk for u in users]
    mongo_reads.clear()
    result = _bulk(staff_client, course_id, ids[:600] + [f"learner{n}" for n in range(600, 1_200)])
    assert (result["enrolled"], result["failed"]) == (1_200, 0)
    assert Enrollment.objects(course_id=course_id).count() == 1_200
    assert sum(mongo_reads.values()) <= 10  # per batch of 500 rows, not per row


def test_ten_thousand_rows_are_answered_row_by_row_and_more_are_refused(staff_client, course_id):
    result = _bulk(staff_client, course_id, [f"nobody{n}" for n in range(10_000)])
    assert (result["requested"], result["failed"]) == (10_000, 10_000)
    assert result["errors"][-1]["index"] == 9_999
    too_many = staff_client.post(f"/api/v1/courses/{course_id}/enrollments/",
                                 {"users": list(range(1, 10_002))}, format="json")
    assert_error(too_many, 400, "too_many_rows")


@pytest.mark.parametrize("body", [{}, {"users": []}, {"users": "ada"}, [1, 2]])
def test_a_body_that_is_not_a_list_of_users_is_400(staff_client, course_id, body):
    assert_error(staff_client.post(f"/api/v1/courses/{course_id}/enrollments/", body,
                                   format="json"), 400)


def test_only_staff_enroll_others_and_the_course_must_exist(api):
    assert_error(api.ada.post(api.url("/api/v1/courses/{course}/enrollments/"),
                              {"users": [api.bob_id]}, format="json"), 403)
    assert_error(api.staff.post("/api/v1/courses/0123456789abcdef01234567/enrollments/",
                                {"users": [api.bob_id]}, format="json"), 404)
