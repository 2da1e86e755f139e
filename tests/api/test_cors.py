"""Browser clients on other origins: only the origins CORS_ALLOWED_ORIGINS names (none by default)."""
from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"


def preflight(origin: str):
    return Client().options("/api/v1/courses/", HTTP_ORIGIN=origin,
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type,if-match")


def test_no_origin_is_allowed_by_default():
    response = preflight(APP)
    assert "access-control-allow-origin" not in response.headers


def test_an_allowed_origin_may_call_the_api_with_a_token_and_read_the_etag(settings, staff_client):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    response = preflight(APP)
    assert response.headers["access-control-allow-origin"] == APP
    allowed = response.headers["access-control-allow-headers"]
    assert {"authorization", "content-type", "if-match"} <= set(allowed.split(", "))
    read = staff_client.get("/api/v1/courses/", HTTP_ORIGIN=APP)
    assert read.headers["access-control-allow-origin"] == APP
    assert "etag" in read.headers["access-control-expose-headers"]


def test_other_origins_stay_refused_when_one_is_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]
    assert "access-control-allow-origin" not in preflight("https://evil.example.net").headers
