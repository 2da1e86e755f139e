"""Who may call what: anonymous, learners, staff, enrolled or not, own data or not."""
from __future__ import annotations

import pytest

from tests.api.conftest import C, assert_error
from tests.factories import python_course_payload

# Every endpoint of the v1 API: (method, URL template, JSON body).
ENDPOINTS = [
    ("post", "/api/v1/users/", {"username": "eve", "password": "eve-pass-1", "display_name": "Eve"}),
    ("get", "/api/v1/courses/", None),
    ("post", "/api/v1/courses/", python_course_payload(slug="another")),
    ("get", C, None),
    ("put", C, python_course_payload(slug="renamed")),
    ("patch", C, {"title": "Renamed"}),
    ("post", C + "enroll/", None),
    ("post", C + "attempts/", {"content_id": "0123456789abcdef01234567", "completed": True}),
    ("get", C + "progress/", None),
    ("get", C + "progress/learners/", None),
    ("get", C + "progress/summary/", None),
    ("get", C + "leaderboard/", None),
    ("get", C + "leaderboard/me/", None),
    ("post", C + "leaderboard/rebuild/", None),
    ("get", C + "leaderboard/users/1/", None),
    ("get", C + "leaderboard/config/", None),
    ("put", C + "leaderboard/config/", {"ranking": "competition"}),
    ("get", "/api/v1/analytics/active-learners/", None),
    ("get", "/api/v1/analytics/attempts-per-day/", None),
    ("get", "/api/v1/analytics/courses/{course}/funnel/", None),
    ("get", "/api/v1/analytics/courses/{course}/completion-time/", None),
]
STAFF_ONLY = [
    ("post", "/api/v1/users/", {"username": "eve", "password": "eve-pass-1", "display_name": "Eve"}),
    ("post", "/api/v1/courses/", python_course_payload(slug="another")),
    ("put", C, python_course_payload(slug="renamed")),
    ("patch", C, {"title": "Renamed"}),
    ("get", C + "progress/learners/", None),
    ("get", C + "progress/summary/", None),
    ("post", C + "leaderboard/rebuild/", None),
    ("put", C + "leaderboard/config/", {"ranking": "competition"}),
    ("get", "/api/v1/analytics/active-learners/", None),
    ("get", "/api/v1/analytics/attempts-per-day/", None),
    ("get", "/api/v1/analytics/courses/{course}/funnel/", None),
    ("get", "/api/v1/analytics/courses/{course}/completion-time/", None),
]
ENROLLED_ONLY = [
    ("post", C + "attempts/", None),
    ("get", C + "progress/", None),
    ("get", C + "leaderboard/", None),
    ("get", C + "leaderboard/me/", None),
    ("get", C + "leaderboard/config/", None),
]


def _ids(endpoints):
    return [f"{method.upper()} {url}" for method, url, _ in endpoints]


def _call(client, method, url, body=None):
    return getattr(client, method)(url, body, format="json") if body is not None \
        else getattr(client, method)(url)


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS, ids=_ids(ENDPOINTS))
def test_anonymous_requests_get_401_asking_for_a_token(api, method, url, body):
    response = _call(api.anonymous, method, api.url(url), body)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS, ids=_ids(ENDPOINTS))
def test_an_unknown_token_gets_401(api, method, url, body):
    api.anonymous.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = _call(api.anonymous, method, api.url(url), body)
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "url", "body"), STAFF_ONLY, ids=_ids(STAFF_ONLY))
def test_learners_get_403_on_staff_only_endpoints(api, method, url, body):
    response = _call(api.ada, method, api.url(url), body)
    assert_error(response, 403, mentions="staff")


@pytest.mark.parametrize(("method", "url", "body"), ENROLLED_ONLY, ids=_ids(ENROLLED_ONLY))
def test_a_learner_not_enrolled_gets_403_saying_so(api, method, url, body):
    if url.endswith("attempts/"):
        body = {"content_id": api.items[0], "completed": True}
    response = _call(api.bob, method, api.url(url), body)
    assert_error(response, 403, "not_enrolled", mentions="not enrolled")


def test_a_learner_cannot_read_another_learners_progress(api):
    response = api.bob.get(api.url(C + "progress/") + f"?user_id={api.ada_id}")
    assert_error(response, 403, "staff_only")


def test_staff_reading_a_learner_who_is_not_enrolled_get_403(api):
    response = api.staff.get(api.url(C + "progress/") + f"?user_id={api.bob_id}")
    assert_error(response, 403, "not_enrolled")


def test_learners_do_not_see_unpublished_courses(api):
    assert api.ada.get("/api/v1/courses/").json()["count"] == 1
    assert api.staff.get("/api/v1/courses/").json()["count"] == 2
    assert_error(api.ada.get(api.url(C, course_id=api.draft_id)), 404)
    assert_error(api.ada.post(api.url(C + "enroll/", course_id=api.draft_id)), 404)
    assert_error(api.ada.get(api.url(C + "leaderboard/", course_id=api.draft_id)), 404)


def test_a_course_unpublished_again_is_a_draft_to_its_enrolled_learners_too(api):
    """Its progress listed the draft's new items (titles, marks, due dates) to them."""
    for template in (C + "progress/", C + "leaderboard/"):
        assert api.ada.get(api.url(template)).status_code == 200  # access granted and kept
    assert api.staff.patch(api.url(C), {"published": False}, format="json").status_code == 200
    for template in (C, C + "progress/", C + "leaderboard/", C + "leaderboard/me/",
                     C + "attempts/"):
        assert_error(api.ada.get(api.url(template)), 404)
    assert api.staff.get(api.url(C + "progress/learners/")).status_code == 200
    assert api.staff.patch(api.url(C), {"published": True}, format="json").status_code == 200
    assert api.ada.get(api.url(C + "progress/")).status_code == 200


def test_quiz_answers_are_shown_to_staff_only(api):
    def answers(client):
        course = client.get(api.url(C)).json()
        return [q.get("answer") for s in course["sections"] for lesson in s["lessons"]
                for i in lesson["items"] for q in i.get("questions", [])]

    assert answers(api.staff) == [1, 0, 1]
    assert answers(api.ada) == [None, None, None]


def test_a_learner_cannot_grade_an_assignment(api):
    response = api.ada.post(api.url(C + "attempts/"),
                            {"content_id": api.items[2], "user_id": api.ada_id, "marks": 20},
                            format="json")
    assert_error(response, 403, "staff_only")


def test_a_learner_cannot_send_marks_or_act_for_someone_else(api):
    for body in ({"content_id": api.items[0], "completed": True, "marks": 5},
                 {"content_id": api.items[0], "completed": True, "user_id": api.bob_id}):
        response = api.ada.post(api.url(C + "attempts/"), body, format="json")
        assert_error(response, 403, "not_allowed")


def test_staff_cannot_grade_a_learner_who_is_not_enrolled(api):
    response = api.staff.post(api.url(C + "attempts/"),
                              {"content_id": api.items[2], "user_id": api.bob_id, "marks": 5},
                              format="json")
    assert_error(response, 403, "not_enrolled", mentions=f"User {api.bob_id}")


def test_a_locked_item_is_refused_with_the_reason(api):
    response = api.ada.post(api.url(C + "attempts/"), {"content_id": api.items[1], "answers": [1, 0]},
                            format="json")
    body = assert_error(response, 403, "item_locked", mentions="Watch: variables")
    assert body["locked"]["code"] == "previous_item_incomplete"


@pytest.mark.parametrize(("method", "url"), [("get", C + "leaderboard/"), ("get", C + "leaderboard/me/"),
                                             ("get", C + "progress/"), ("post", C + "enroll/")])
def test_enrolled_learners_and_staff_may_read_course_data(api, method, url):
    assert getattr(api.ada, method)(api.url(url)).status_code in (200, 201)
    if not url.endswith("enroll/"):
        assert getattr(api.staff, method)(api.url(url)).status_code == 200


def test_a_learner_cannot_look_up_another_learners_rank(api):
    response = api.ada.get(api.url(C + f"leaderboard/users/{api.bob_id}/"))
    assert_error(response, 403, mentions="staff")


def test_the_token_endpoint_needs_no_credentials(api, make_user):
    make_user("carol")
    response = api.anonymous.post("/api/v1/auth/token/", {"username": "carol", "password": "pass-12345"},
                                  format="json")
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40
