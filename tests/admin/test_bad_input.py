"""Bad input in the admin shows a form error or an empty result, never a server error."""
from __future__ import annotations

import pytest
from django.test import Client

from learning.documents import Course
from tests.admin.conftest import attempt_add, enrollment_add
from tests.admin.test_edit import form_data
from tests.admin.test_lists import result_rows

DATA = "/admin/data/"


@pytest.fixture
def superuser_browser(django_user_model) -> Client:
    """The admin as a superuser: the stock user and token lists need their permissions."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com",
                                                                 "root-passphrase-7"))
    return client
SEARCHED_LISTS = ["courses/", "items/", "enrollments/", "attempts/", "progress/", "activity/",
                  "overrides/", "resets/", "archived-attempts/", "erasures/"]


@pytest.mark.parametrize("text", ["²", "١٢", "12345678901234567890", "9" * 5000, "0", "-1",
                                  "\x00²", "0123456789abcdef01234567\n"])
@pytest.mark.parametrize("page", SEARCHED_LISTS)
def test_any_search_text_lists_nothing_rather_than_failing(admin_browser, course, page, text):
    response = admin_browser.get(DATA + page, {"q": text})

    assert response.status_code == 200
    assert result_rows(response) == []


def test_a_learner_is_still_found_by_their_user_id(admin_browser, course, make_user):
    learner = make_user("ada")
    enrollment_add(user_id=learner.pk, course=course)
    attempt_add(user_id=learner.pk, course=course, title="Watch: variables", completed=True)

    for page in ("enrollments/", "attempts/"):
        rows = result_rows(admin_browser.get(DATA + page, {"q": str(learner.pk)}))
        assert len(rows) == 1 and "ada" in rows[0], (page, rows)


@pytest.mark.parametrize(("outline", "message"), [
    ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
    ('[{"title": NaN}]', "NaN is not valid JSON"),
    ('[{"title": "\\ud800"}]', "surrogate"),
])
def test_an_outline_json_the_api_would_refuse_is_a_form_error(admin_browser, course, outline,
                                                               message):
    response = admin_browser.post(f"{DATA}courses/{course.id}/",
                                  form_data(course, title="Renamed", outline=outline))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not valid JSON" in html and message in html
    assert Course.objects.get(id=course.id).title == "Intro to Python"


def test_an_outline_json_that_nests_too_deeply_is_a_form_error_when_adding_too(admin_browser):
    response = admin_browser.post(DATA + "courses/add/", {
        "title": "Deep", "slug": "deep", "unlock_mode": "open",
        "outline": '{"a": ' * 50_000 + "1" + "}" * 50_000})

    assert response.status_code == 200
    assert "nests too deeply" in response.content.decode()
    assert not Course.objects(slug="deep")


@pytest.mark.parametrize("page", ["attempts/", "progress/", "activity/", "courses/"])
@pytest.mark.parametrize("suffix", ["0123456789abcdef01234567%0A", "%C2%B2", "%00"])
def test_a_malformed_id_in_a_detail_address_is_the_admins_404(admin_browser, page, suffix):
    assert admin_browser.get(f"{DATA}{page}{suffix}/").status_code == 404


@pytest.mark.parametrize(("page", "query"), [
    ("auth/user/", {"username__regex": "("}),
    ("auth/user/", {"username__iregex": "["}),
    ("auth/user/", {"id__in": "9" * 30}),
    ("auth/user/", {"last_login__year": "99999"}),
    ("auth/user/", {"date_joined__year__gt": "9" * 20}),
    ("authtoken/tokenproxy/", {"user_id": "9" * 25}),
])
def test_a_filter_the_database_cannot_run_on_a_stock_list_is_a_400(superuser_browser, page, query):
    response = superuser_browser.get("/admin/" + page, query)

    assert response.status_code == 400


def test_stock_lists_still_filter_as_their_links_do(superuser_browser, make_user):
    make_user("ada")

    response = superuser_browser.get("/admin/auth/user/", {"is_staff__exact": "0"})

    assert response.status_code == 200 and "ada" in response.content.decode()
