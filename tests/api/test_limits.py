"""Abuse limits bite (429 with Retry-After) and reset once their window has passed."""
from __future__ import annotations

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import free_port
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def rates(settings):
    """One-second windows, so a test sees a limit reset without waiting a minute."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_username": "3/s",
                               "login_address": "6/s", "attempts": "4/s", "fresh_progress": "2/s",
                               "user_create": "2/s"}
    return settings.THROTTLE_RATES


def wait_for_window() -> None:
    time.sleep(1.1)


def guesses(client: APIClient, username: str, count: int, *, address: str = "10.0.0.1") -> list:
    return [client.post(TOKEN_URL, {"username": username, "password": f"guess-{n}"}, format="json",
                        REMOTE_ADDR=address) for n in range(count)]


def test_password_guessing_on_one_username_is_locked_out_then_allowed_again(rates, staff):
    """Staff accounts are limited like any other; the limit counts guesses from any address."""
    client = APIClient()
    answers = [r.status_code for r in guesses(client, staff.username, 3, address="10.0.0.1")]
    locked = guesses(client, staff.username, 1, address="10.9.9.9")[0]  # another address
    assert answers == [400, 400, 400]
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1 and "Too many login attempts" in locked.json()["detail"]
    assert guesses(client, "someone-else", 1, address="10.9.9.9")[0].status_code == 400
    wait_for_window()
    right = client.post(TOKEN_URL, {"username": staff.username, "password": "pass-12345"},
                        format="json", REMOTE_ADDR="10.0.0.1")
    assert right.status_code == 200


def test_logins_from_one_address_are_limited_whatever_the_usernames(rates):
    client = APIClient()
    answers = [guesses(client, f"user-{n}", 1, address="10.0.0.7")[0].status_code for n in range(7)]
    assert answers[:6] == [400] * 6 and answers[6] == 429
    assert guesses(client, "user-x", 1, address="10.0.0.8")[0].status_code == 400
    wait_for_window()
    assert guesses(client, "user-y", 1, address="10.0.0.7")[0].status_code == 400


def test_a_forwarded_for_header_does_not_pick_the_address_a_login_counts_under(rates):
    """NUM_PROXIES=0 (the default): the peer address counts, whatever X-Forwarded-For says."""
    client = APIClient()
    answers = [client.post(TOKEN_URL, {"username": f"user-{n}", "password": "guess"}, format="json",
                           REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"10.9.{n}.1").status_code
               for n in range(7)]
    assert answers[:6] == [400] * 6 and answers[6] == 429


def test_whitespace_around_a_username_counts_as_the_same_account(rates, staff):
    """The login strips the username before checking the password, so the limit must too."""
    client = APIClient()
    variants = [staff.username, f" {staff.username}", f"{staff.username}\n",
                f"\t{staff.username.upper()} "]
    answers = [client.post(TOKEN_URL, {"username": name, "password": "guess"}, format="json",
                           REMOTE_ADDR=f"10.0.1.{n}").status_code
               for n, name in enumerate(variants)]
    assert answers == [400, 400, 400, 429]
    right = client.post(TOKEN_URL, {"username": f"{staff.username}\n", "password": "pass-12345"},
                        format="json", REMOTE_ADDR="10.0.1.9")
    assert right.status_code == 429


def test_the_admin_login_form_shares_the_login_limits(rates, staff):
    """Guesses through /admin/login/ and through the API count against one limit."""
    client = Client()
    tried = [client.post("/admin/login/", {"username": staff.username, "password": "guess"},
                         REMOTE_ADDR="10.0.2.1").status_code for _ in range(2)]
    api = APIClient().post(TOKEN_URL, {"username": staff.username, "password": "guess"},
                           format="json", REMOTE_ADDR="10.0.2.2")
    locked = client.post("/admin/login/", {"username": staff.username, "password": "pass-12345"},
                         REMOTE_ADDR="10.0.2.3")
    assert tried == [200, 200] and api.status_code == 400  # the form, re-shown with its error
    assert locked.status_code == 429 and int(locked["Retry-After"]) >= 1
    wait_for_window()
    right = client.post("/admin/login/", {"username": staff.username, "password": "pass-12345"},
                        REMOTE_ADDR="10.0.2.3")
    assert right.status_code == 302


def test_a_learner_submitting_too_fast_is_slowed_down_then_allowed_again(rates, staff_client,
                                                                          make_user, client_for):
    course = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                               format="json").json()
    ada, bob = client_for(make_user("ada")), client_for(make_user("bob"))
    for client in (ada, bob):
        client.post(f"/api/v1/courses/{course['id']}/enroll/")
    url, video = f"/api/v1/courses/{course['id']}/attempts/", item_ids(course)[0]
    answers = [ada.post(url, {"content_id": video, "completed": True}, format="json")
               for _ in range(5)]
    assert [r.status_code for r in answers] == [202] * 4 + [429]
    assert int(answers[-1]["Retry-After"]) >= 1
    assert bob.post(url, {"content_id": video, "completed": True}, format="json").status_code == 202
    wait_for_window()
    assert ada.post(url, {"content_id": video, "completed": True}, format="json").status_code == 202


def test_fresh_progress_reads_are_limited_and_plain_reads_are_not(rates, staff_client, make_user,
                                                                  client_for):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    ada = client_for(make_user("ada"))
    ada.post(f"/api/v1/courses/{course['id']}/enroll/")
    url = f"/api/v1/courses/{course['id']}/progress/"
    fresh = [ada.get(url, {"fresh": "true"}).status_code for _ in range(3)]
    assert fresh == [200, 200, 429]
    # Every spelling the field reads as true is counted ("t", "Y" were not).
    assert all(ada.get(url, {"fresh": value}).status_code == 429 for value in ("t", "Y", "ON"))
    assert all(ada.get(url).status_code == 200 for _ in range(5))
    wait_for_window()
    assert ada.get(url, {"fresh": "true"}).status_code == 200


def test_user_creation_is_limited_per_staff_member(rates, staff_client):
    def create(n: int):
        return staff_client.post("/api/v1/users/", {"username": f"learner{n}",
                                                    "password": "a-good-long-passphrase",
                                                    "display_name": f"Learner {n}"}, format="json")

    assert [create(n).status_code for n in range(3)] == [201, 201, 429]
    wait_for_window()
    assert create(3).status_code == 201


def test_limits_let_requests_through_when_the_cache_is_unreachable(rates, make_user, settings):
    """Redis away: logins are served (unthrottled) rather than refused or answered with 500."""
    make_user("ada")
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    answers = [APIClient().post(TOKEN_URL, {"username": "ada", "password": "pass-12345"},
                                format="json").status_code for _ in range(5)]
    assert answers == [200] * 5


def test_concurrent_requests_cannot_slip_past_a_limit_together(rates, make_user):
    """Fifty login checks for one username at once, a limit of 3: exactly 3 are let through."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from rest_framework.test import APIRequestFactory

    from api.throttles import LoginUsernameThrottle

    barrier = Barrier(50)

    def check(_):
        request = APIRequestFactory().post(TOKEN_URL, {"username": "ada"}, format="json")
        request.data = {"username": "ada"}
        barrier.wait()
        return LoginUsernameThrottle().allow_request(request, None)

    with ThreadPoolExecutor(50) as pool:
        allowed = list(pool.map(check, range(50)))
    assert allowed.count(True) == 3
