"""Bad input anywhere gets a 4xx JSON answer with `detail` and `code`, never a 500 or HTML."""
from __future__ import annotations

import io
import json

import pytest
from django.test import RequestFactory

from api.errors import ApiErrorMiddleware
from api.parsers import BoundedJSONParser, PayloadTooLarge
from tests.api.conftest import UNKNOWN_ID, C, assert_error
from tests.api.test_authorization import ENDPOINTS, _call, _ids
from tests.factories import python_course_payload

COURSE_ENDPOINTS = [e for e in ENDPOINTS if "{course}" in e[1]]
MALFORMED_IDS = ["not-an-id", "123", "zzzzzzzzzzzzzzzzzzzzzzzz", "0123456789abcdef012345678"]


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
@pytest.mark.parametrize(("method", "url", "body"), COURSE_ENDPOINTS, ids=_ids(COURSE_ENDPOINTS))
def test_malformed_course_ids_get_400_naming_the_field(api, method, url, body, bad_id):
    response = _call(api.staff, method, api.url(url, course_id=bad_id), body)
    assert_error(response, 400, "invalid_id", mentions="course_id")


@pytest.mark.parametrize(("method", "url", "body"), COURSE_ENDPOINTS, ids=_ids(COURSE_ENDPOINTS))
def test_unknown_course_ids_get_404(api, method, url, body):
    response = _call(api.staff, method, api.url(url, course_id=UNKNOWN_ID), body)
    assert_error(response, 404, "not_found", mentions=UNKNOWN_ID)


@pytest.mark.parametrize("url", [C, C + "leaderboard/", C + "leaderboard/me/", C + "progress/"])
def test_learners_get_404_for_unknown_courses_too(api, url):
    assert_error(api.ada.get(api.url(url, course_id=UNKNOWN_ID)), 404, "not_found")


def test_an_unknown_item_gets_404_naming_it(api):
    response = api.ada.post(api.url(C + "attempts/"), {"content_id": UNKNOWN_ID, "completed": True},
                            format="json")
    assert_error(response, 404, "unknown_item", mentions=UNKNOWN_ID)


def _attempt_cases():
    """(name, body builder given item ids, learner id, expected field or code)."""
    return [
        ("malformed content_id", lambda i, u: {"content_id": "abc", "completed": True}, "content_id"),
        ("content_id as a number", lambda i, u: {"content_id": 12, "completed": True}, "content_id"),
        ("missing content_id", lambda i, u: {"completed": True}, "content_id"),
        ("completed as a string", lambda i, u: {"content_id": i[0], "completed": "yes"}, "completed"),
        ("completed as 1", lambda i, u: {"content_id": i[0], "completed": 1}, "completed"),
        ("video without completed", lambda i, u: {"content_id": i[0]}, "completed_required"),
        ("quiz without answers", lambda i, u: {"content_id": i[1]}, "answers_required"),
        ("answers as an object", lambda i, u: {"content_id": i[1], "answers": {"0": 1}}, "answers"),
        ("answers with a string", lambda i, u: {"content_id": i[1], "answers": ["1", 0]}, "answers"),
        ("answers with a bool", lambda i, u: {"content_id": i[1], "answers": [True, 0]}, "answers"),
        ("negative answer", lambda i, u: {"content_id": i[1], "answers": [-1, 0]}, "answers"),
        ("too few answers", lambda i, u: {"content_id": i[1], "answers": [1]}, "answers_count"),
        ("answer out of range", lambda i, u: {"content_id": i[1], "answers": [5, 0]},
         "answer_out_of_range"),
        ("marks as a string", lambda i, u: {"content_id": i[2], "user_id": u, "marks": "10"}, "marks"),
        ("marks as a bool", lambda i, u: {"content_id": i[2], "user_id": u, "marks": True}, "marks"),
        ("negative marks", lambda i, u: {"content_id": i[2], "user_id": u, "marks": -1}, "marks"),
        ("marks over the item's max", lambda i, u: {"content_id": i[2], "user_id": u, "marks": 20.5},
         "marks_out_of_range"),
        ("marks over any max", lambda i, u: {"content_id": i[2], "user_id": u, "marks": 1e12}, "marks"),
        ("user_id as a bool", lambda i, u: {"content_id": i[2], "user_id": True, "marks": 3}, "user_id"),
        ("user_id as a string", lambda i, u: {"content_id": i[2], "user_id": str(u), "marks": 3},
         "user_id"),
        ("user_id beyond 64 bits", lambda i, u: {"content_id": i[2], "user_id": 2**64, "marks": 3},
         "user_id"),
        ("grade without marks", lambda i, u: {"content_id": i[2], "user_id": u}, "grade_fields_required"),
    ]


@pytest.mark.parametrize(("name", "build", "expected"), _attempt_cases(),
                         ids=[c[0] for c in _attempt_cases()])
def test_bad_attempts_get_400_saying_what_is_wrong(api, name, build, expected):
    client = api.staff if "user_id" in build(api.items, api.ada_id) else api.ada
    if expected == "answers_count" or expected == "answers_required":
        # Open the quiz first: the video before it must be complete (sequential course).
        api.ada.post(api.url(C + "attempts/"), {"content_id": api.items[0], "completed": True},
                     format="json")
    response = client.post(api.url(C + "attempts/"), build(api.items, api.ada_id), format="json")
    body = assert_error(response, 400)
    assert expected in body or body["code"] == expected, body


def test_a_number_too_large_for_a_float_gets_400(api):
    raw = f'{{"content_id": "{api.items[2]}", "user_id": {api.ada_id}, "marks": 1e400}}'.encode()
    response = api.staff.generic("POST", api.url(C + "attempts/"), raw, content_type="application/json")
    assert "marks" in assert_error(response, 400)


def _course(**changes) -> dict:
    payload = python_course_payload(slug="bad-course")
    payload.update(changes)
    return payload


def _item(**changes) -> dict:
    payload = python_course_payload(slug="bad-course")
    payload["sections"][0]["lessons"][0]["items"][2].update(changes)  # the assignment
    return payload


COURSE_CASES = [
    ("missing title", {k: v for k, v in _course().items() if k != "title"}, "title"),
    ("title as a number", _course(title=5), "title"),
    ("slug with spaces", _course(slug="not a slug"), "slug"),
    ("published as a string", _course(published="true"), "published"),
    ("unknown unlock mode", _course(unlock_mode="random"), "unlock_mode"),
    ("sections as an object", _course(sections={"title": "x"}), "sections"),
    ("a section as a list", _course(sections=[["x"]]), "sections"),
    ("questions as an object", _item(kind="quiz", max_marks=None, questions={"prompt": "x"}),
     "sections"),
    ("max_marks as a string", _item(max_marks="20"), "sections"),
    ("max_marks as a bool", _item(max_marks=True), "sections"),
    ("negative max_marks", _item(max_marks=-1), "sections"),
    ("max_marks over the limit", _item(max_marks=10**7), "sections"),
    ("pass_marks over max_marks", _item(pass_marks=30), "sections"),
    ("unknown item kind", _item(kind="podcast"), "sections"),
    ("optional as 1", _item(optional=1), "sections"),
    ("rules as a list", _item(rules=[1]), "invalid_rule"),
    ("a rule naming nothing", _item(rules={"completed": "nowhere"}), "invalid_rule"),
    ("an id on a new course", _item(id="0123456789abcdef01234567"), "unexpected_id"),
]


@pytest.mark.parametrize(("name", "payload", "expected"), COURSE_CASES, ids=[c[0] for c in COURSE_CASES])
def test_bad_courses_get_400_saying_what_is_wrong(api, name, payload, expected):
    response = api.staff.post("/api/v1/courses/", payload, format="json")
    body = assert_error(response, 400)
    assert expected in body or body["code"] == expected, body


def test_field_errors_keep_drf_shape_and_add_a_summary(api):
    payload = _item(max_marks="20")
    body = api.staff.post("/api/v1/courses/", payload, format="json").json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("sections.0.lessons.0.items.2.max_marks:")
    assert body["sections"]["0"]["lessons"]["0"]["items"]["2"]["max_marks"] == [
        "A valid number is required."]


@pytest.mark.parametrize("raw", [
    b"{not json", b'{"title": NaN}', b'{"marks": Infinity}', b'{"marks": -Infinity}', b"",
    b'{"a": "\\ud800"}', b"[" * 100_000, b"\xff\xfe",
], ids=["broken", "NaN", "Infinity", "-Infinity", "empty", "lone surrogate", "deep nesting",
        "not utf-8"])
@pytest.mark.parametrize("url", ["/api/v1/courses/", C + "attempts/", "/api/v1/users/"])
def test_invalid_json_gets_400(api, raw, url):
    response = api.staff.generic("POST", api.url(url), raw, content_type="application/json")
    assert_error(response, 400)


@pytest.mark.parametrize("url", ["/api/v1/courses/", C + "attempts/", "/api/v1/users/", C])
def test_a_body_that_is_not_an_object_gets_400(api, url):
    method = "put" if url == C else "post"
    response = getattr(api.staff, method)(api.url(url), [1, 2], format="json")
    assert_error(response, 400, "not_an_object")


def test_a_body_that_is_not_json_gets_415(api):
    response = api.staff.post("/api/v1/courses/", "title=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("url", ["/api/v1/courses/", C + "attempts/", "/api/v1/auth/token/",
                                 "/api/v1/users/"])
def test_an_oversize_body_gets_413_json(api, settings, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = python_course_payload(slug="big")
    payload["description"] = "x" * 20_000
    response = api.staff.post(api.url(url), payload, format="json")
    body = assert_error(response, 413, "payload_too_large")
    assert body["max_bytes"] == 10_000


def test_a_body_without_content_length_is_still_bounded(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(io.BytesIO(json.dumps({"x": "y" * 200}).encode()))


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "limit=", "offset=-1",
                                   "offset=1.5"])
def test_bad_leaderboard_paging_gets_400(api, query):
    assert_error(api.ada.get(api.url(C + "leaderboard/") + "?" + query), 400)


@pytest.mark.parametrize("query", ["around=-1", "around=51", "around=x", "around="])
def test_bad_around_gets_400(api, query):
    assert_error(api.ada.get(api.url(C + "leaderboard/me/") + "?" + query), 400)


@pytest.mark.parametrize("query", ["user_id=abc", "user_id=0", "user_id=", f"user_id={2**64}",
                                   "fresh=maybe", "fresh="])
def test_bad_progress_queries_get_400(api, query):
    assert_error(api.staff.get(api.url(C + "progress/") + "?" + query), 400)


@pytest.mark.parametrize("query", ["ordering=bogus", "limit=0", "limit=501", "offset=-1", "ordering="])
def test_bad_learner_list_queries_get_400(api, query):
    assert_error(api.staff.get(api.url(C + "progress/learners/") + "?" + query), 400)


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "x"}, "username"), ({"username": "carol"}, "password"),
    ({"username": "carol", "password": "wrong-password"}, "non_field_errors"),
])
def test_bad_token_requests_get_400(api, make_user, body, field):
    make_user("carol")
    response = api.anonymous.post("/api/v1/auth/token/", body, format="json")
    assert field in assert_error(response, 400)


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "eve", "password": "short", "display_name": "Eve"}, "password"),
    ({"username": "e ve", "password": "eve-pass-1", "display_name": "Eve"}, "username"),
    ({"username": "eve", "password": "eve-pass-1"}, "display_name"),
    ({"username": "eve", "password": "eve-pass-1", "display_name": "Eve", "avatar_url": "nope"},
     "avatar_url"),
    ({"username": "eve", "password": "eve-pass-1", "display_name": "Eve", "is_staff": "yes"},
     "is_staff"),
    ({"username": 5, "password": "eve-pass-1", "display_name": "Eve"}, "username"),
])
def test_bad_new_users_get_400(api, body, field):
    assert field in assert_error(api.staff.post("/api/v1/users/", body, format="json"), 400)


def test_a_taken_username_gets_409(api):
    body = {"username": "ada", "password": "ada-pass-12", "display_name": "Ada"}
    assert_error(api.staff.post("/api/v1/users/", body, format="json"), 409, "username_taken")


def test_a_taken_slug_gets_409(api):
    response = api.staff.post("/api/v1/courses/", python_course_payload(), format="json")
    assert_error(response, 409, "slug_taken")


@pytest.mark.parametrize("path", ["/api/v1/nowhere/", "/api/v1/courses/x/y/z/", "/api/nothing"])
def test_unknown_api_urls_get_404_json(api, path):
    assert_error(api.staff.get(path), 404, "not_found")


def test_unsupported_methods_get_405_json(api):
    assert_error(api.staff.delete(api.url(C)), 405, "method_not_allowed")
    # GET lists the attempt history; attempts are never replaced.
    assert_error(api.ada.put(api.url(C + "attempts/"), {}, format="json"), 405,
                 "method_not_allowed")


def test_an_unhandled_error_under_api_is_answered_as_json_500():
    request = RequestFactory().get("/api/v1/courses/")
    middleware = ApiErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, RuntimeError("boom"))
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Internal server error; it was logged.",
                                            "code": "server_error"}
    assert middleware.process_exception(RequestFactory().get("/admin/"), RuntimeError()) is None


def test_unknown_api_urls_are_json_even_with_debug_on(api, settings):
    settings.DEBUG = True  # Django would answer its HTML debug page
    assert_error(api.staff.get("/api/v1/nowhere/"), 404, "not_found")


def test_pages_outside_the_api_keep_their_html_errors(api):
    response = api.staff.get("/nowhere/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("debug", [False, True])
def test_a_write_without_the_trailing_slash_gets_404_saying_so(api, settings, debug):
    settings.DEBUG = debug
    response = api.staff.post("/api/v1/courses", python_course_payload(slug="x"), format="json")
    assert_error(response, 404, "not_found", mentions="/api/v1/courses/")


@pytest.mark.parametrize("query", ["to=", "from=", "course_id=", "from=2026-13-01", "to=yesterday"])
def test_bad_analytics_ranges_get_400(api, query):
    assert_error(api.staff.get(f"/api/v1/analytics/active-learners/?{query}"), 400)


@pytest.mark.parametrize("sections", [[{"title": "No lessons key"}], [{"lessons": []}],
                                      [{"title": "S", "lessons": [{"items": []}]}],
                                      [{"title": "S", "lessons": [{"title": "L", "items": [{}]}]}]])
def test_a_patch_validates_its_outline_in_full(api, sections):
    response = api.staff.patch(api.url(C), {"sections": sections}, format="json")
    if sections == [{"title": "No lessons key"}]:
        assert response.status_code == 200  # lessons default to none
        assert response.json()["sections"][0]["lessons"] == []
    else:
        assert "sections" in assert_error(response, 400)


# --- The 500s reported in the security review, each answered 4xx now -----------------------------

def test_a_user_id_of_non_ascii_digits_gets_400(api):
    response = api.staff.get(api.url(C + "leaderboard/users/²/"))
    assert_error(response, 400, "invalid_id", mentions="user_id")


@pytest.mark.parametrize(("week", "status", "code"), [
    ("9999-W52", 400, "invalid_week"), ("9999-W01", 400, "invalid_week"),
    ("0001-W01", 404, "week_expired"), ("0000-W01", 400, "invalid_week"),
    ("2026-W00", 400, "invalid_week"), ("2026-W54", 400, "invalid_week"),
    ("١٢٣٤-W01", 400, "invalid"), ("2026-W4８", 400, "invalid"),
])
def test_a_week_at_the_edges_of_the_calendar_or_in_other_digits_gets_4xx(api, week, status, code):
    response = api.ada.get(api.url(C + "leaderboard/") + f"?window=week&week={week}")
    assert_error(response, status, code)


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
@pytest.mark.parametrize("start_weekday", range(7))
def test_weeks_at_the_edges_of_the_calendar_never_overflow_whatever_day_weeks_start(
        api, settings, week, start_weekday):
    settings.LEADERBOARD_WEEK_START = start_weekday
    response = api.ada.get(api.url(C + "leaderboard/") + f"?week={week}")
    # Year 1's first week is long gone (404) unless it would start before the calendar does.
    expired = week.startswith("0001") and start_weekday <= 3
    assert_error(response, 404 if expired else 400, "week_expired" if expired else "invalid_week")


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "hex", "uu", "bz2"])
def test_a_json_body_in_a_charset_that_is_no_text_encoding_gets_415(api, charset):
    response = api.staff.generic("POST", "/api/v1/courses/", b'{"title": "x"}',
                                 content_type=f"application/json; charset={charset}")
    assert_error(response, 415, "unsupported_media_type", mentions=f"charset '{charset}'")


def test_a_json_body_that_is_not_in_its_declared_charset_gets_400(api):
    response = api.staff.generic("POST", "/api/v1/courses/", b'{"title": "x"}',
                                 content_type="application/json; charset=utf-32")
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("moment", ["2026-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                    "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z",
                                    "2026-01-01T24:00:00Z"])
def test_a_rule_with_an_impossible_date_gets_400(api, moment):
    response = api.staff.post("/api/v1/courses/", _item(rules={"available_from": moment}),
                              format="json")
    assert_error(response, 400, "invalid_rule", mentions="available_from")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "0999-06-01T12:00:00Z"])
def test_a_rule_or_due_date_before_year_1000_round_trips(api, moment):
    payload = _item(rules={"available_from": moment}, due_at=moment)
    created = api.staff.post("/api/v1/courses/", payload, format="json")
    assert created.status_code == 201, created.content
    item = created.json()["sections"][0]["lessons"][0]["items"][2]
    assert item["rules"] == {"available_from": moment} and item["due_at"] == moment
    course_id = created.json()["id"]
    assert api.ada.post(f"/api/v1/courses/{course_id}/enroll/").status_code == 201
    progress = api.ada.get(f"/api/v1/courses/{course_id}/progress/?fresh=true")
    assert progress.status_code == 200, progress.content
    assert progress.json()["items"][2]["due_at"] == moment


def test_analytics_up_to_the_first_day_of_the_calendar_asks_for_from(api):
    response = api.staff.get("/api/v1/analytics/active-learners/?to=0001-01-01")
    assert "from" in assert_error(response, 400)


@pytest.mark.parametrize("query", ["to=0001-01-29", "from=0001-01-01&to=0001-01-01",
                                   "from=9999-12-31&to=9999-12-31", "to=9999-12-31"])
def test_analytics_ranges_at_the_edges_of_the_calendar_get_an_answer(api, query):
    response = api.staff.get(f"/api/v1/analytics/active-learners/?{query}")
    assert response.status_code in (200, 400), (response.status_code, response.content[:300])
    if response.status_code == 400:
        assert_error(response, 400)


@pytest.mark.parametrize("depth", [50, 500, 900, 950, 990, 1000, 5000])
def test_rules_nested_at_any_depth_get_400(api, depth):
    payload = _item(rules="RULES")
    nested = '{"all": [' * depth + '{"available_after_days": 1}' + "]}" * depth
    raw = json.dumps(payload).replace('"RULES"', nested).encode()
    response = api.staff.generic("POST", "/api/v1/courses/", raw, content_type="application/json")
    assert_error(response, 400)
