"""Accounts: validated passwords, tokens that expire and can be revoked, no account probing."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def login(client: APIClient, username: str, password: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


@pytest.mark.parametrize(("password", "rule"), [
    ("short1x", "too short"),
    ("password123", "too common"),
    ("4815162342108", "entirely numeric"),
    ("ada.lovelace", "too similar"),
])
def test_creating_a_user_refuses_a_password_the_validators_refuse(staff_client, password, rule):
    response = staff_client.post("/api/v1/users/", {"username": "ada.lovelace", "password": password,
                                                    "display_name": "Ada"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "password_invalid"
    assert any(rule in message for message in response.json()["password"]), response.json()
    assert not get_user_model().objects.filter(username="ada.lovelace").exists()


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(make_user):
    make_user("ada")
    client = APIClient()
    wrong = login(client, "ada", "not-her-password")
    unknown = login(client, "nobody-by-this-name", "not-her-password")
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()


def test_a_token_can_be_revoked_and_is_refused_afterwards(make_user):
    make_user("ada")
    token = login(APIClient(), "ada", "pass-12345").json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/courses/").status_code == 200
    assert client.delete(TOKEN_URL).status_code == 204
    assert client.get("/api/v1/courses/").status_code == 401
    assert not Token.objects.filter(key=token).exists()


def test_a_checked_token_costs_no_sql_query_until_its_cache_entry_expires(make_user, settings):
    settings.AUTH_TOKEN_CACHE_SECONDS = 1
    make_user("ada")
    token = login(APIClient(), "ada", "pass-12345").json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/courses/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/courses/").status_code == 200
    assert not [q for q in queries if "authtoken" in q["sql"]], queries.captured_queries
    # Revoked behind this process's back (another API process, the admin): refused once the
    # entry expires, AUTH_TOKEN_CACHE_SECONDS later. A raw delete sends no signal here, as a
    # delete in another process sends none to this one.
    Token.objects.filter(key=token)._raw_delete(connection.alias)
    assert client.get("/api/v1/courses/").status_code == 200
    time.sleep(1.1)
    assert client.get("/api/v1/courses/").status_code == 401


def test_a_deactivated_user_is_refused_at_once_though_their_token_was_checked(make_user):
    ada = make_user("ada")
    token = login(APIClient(), "ada", "pass-12345").json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/courses/").status_code == 200
    ada.is_active = False
    ada.save()
    assert client.get("/api/v1/courses/").status_code == 401


def test_a_token_expires_after_its_lifetime_and_a_login_issues_a_new_one(make_user, settings):
    settings.AUTH_TOKEN_TTL_SECONDS = 3600
    make_user("ada")
    token = login(APIClient(), "ada", "pass-12345").json()["token"]
    Token.objects.filter(key=token).update(created=timezone.now() - timedelta(hours=2))
    refused = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/courses/")
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    renewed = login(APIClient(HTTP_AUTHORIZATION=f"Token {token}"), "ada", "pass-12345")
    assert renewed.status_code == 200 and renewed.json()["token"] != token
    assert APIClient(HTTP_AUTHORIZATION=f"Token {renewed.json()['token']}").get(
        "/api/v1/courses/").status_code == 200


def test_ensure_superuser_refuses_a_weak_password_and_creates_a_strong_one_once(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root-admin")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "change-me")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("ensure_superuser")
    assert not get_user_model().objects.filter(username="root-admin").exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-Long-and-unusual-passphrase-42")
    call_command("ensure_superuser")
    call_command("ensure_superuser")  # already there: left as it is
    admin = get_user_model().objects.get(username="root-admin")
    assert admin.is_superuser and admin.check_password("a-Long-and-unusual-passphrase-42")
    assert "exists" in capsys.readouterr().out
