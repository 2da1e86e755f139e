"""Staff manage webhook endpoints through the API: URL rules, event types, the secret shown once."""
from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

PUBLIC_URL = "https://93.184.216.34/hooks"  # a public address literal: no DNS, nothing is sent


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


def _create(client, **overrides):
    body = {"url": PUBLIC_URL, "event_types": ["course.completed"], **overrides}
    return client.post("/api/v1/webhooks/", body, format="json")


def test_staff_create_an_endpoint_and_see_its_secret_once(staff_client):
    created = _create(staff_client, description="CRM")
    assert created.status_code == 201, created.data
    secret = created.data["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # the standardwebhooks package accepts it as a signing key
    endpoint_id = created.data["id"]
    listed = staff_client.get("/api/v1/webhooks/")
    assert [e["id"] for e in listed.data] == [endpoint_id]
    shown = staff_client.get(f"/api/v1/webhooks/{endpoint_id}/")
    assert shown.status_code == 200
    assert "secret" not in shown.data and "secret" not in listed.data[0]
    assert shown.data["event_types"] == ["course.completed"] and shown.data["active"] is True


def test_learners_cannot_see_or_add_endpoints(make_user, client_for):
    learner = client_for(make_user("ada"))
    assert learner.get("/api/v1/webhooks/").status_code == 403
    assert _create(learner).status_code == 403


@pytest.mark.parametrize("url", [
    "ftp://93.184.216.34/x", "file:///etc/passwd", "javascript:alert(1)", "not a url",
    "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://[::1]/hook",
    "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://172.16.5.4/hook",
    "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook", "https://user:pass@93.184.216.34/hook",
    # Shared CGNAT space (a cloud's metadata service at 100.100.100.200), and loopback carried
    # in 6to4 and NAT64 forms; port 0.
    "http://100.64.0.1/hook", "http://100.100.100.200/latest/meta-data/",
    "http://[2002:7f00:1::]/hook", "http://[64:ff9b::7f00:1]/hook", "http://93.184.216.34:0/hook",
])
def test_urls_that_are_not_public_http_are_refused(staff_client, url):
    response = _create(staff_client, url=url)
    assert response.status_code == 400, response.data
    assert response.data["code"] == "url_not_allowed"


def test_a_setting_allows_loopback_urls(staff_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert _create(staff_client, url="http://127.0.0.1:9/hook").status_code == 201
    assert _create(staff_client, url="ftp://127.0.0.1/hook").status_code == 400
    # Strict JSON: nothing is converted into a string or a boolean.
    for bad in ({"description": 7}, {"active": "false"}, {"active": 0}):
        assert _create(staff_client, **bad).status_code == 400, bad


def test_unknown_event_types_are_refused(staff_client):
    response = _create(staff_client, event_types=["course.deleted"])
    assert response.status_code == 400
    assert "event_types" in response.data or response.data.get("code")
    assert _create(staff_client, event_types=[]).status_code == 400


def test_staff_change_and_delete_an_endpoint(staff_client):
    endpoint_id = _create(staff_client).data["id"]
    changed = staff_client.patch(f"/api/v1/webhooks/{endpoint_id}/",
                                 {"active": False, "event_types": ["item.completed",
                                                                   "attempt.accepted"]},
                                 format="json")
    assert changed.status_code == 200, changed.data
    assert changed.data["active"] is False
    assert changed.data["event_types"] == ["attempt.accepted", "item.completed"]
    refused = staff_client.patch(f"/api/v1/webhooks/{endpoint_id}/", {"url": "http://10.0.0.1/"},
                                 format="json")
    assert refused.status_code == 400
    assert staff_client.get(f"/api/v1/webhooks/{endpoint_id}/").data["url"] == PUBLIC_URL
    assert staff_client.delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 204
    assert staff_client.get(f"/api/v1/webhooks/{endpoint_id}/").status_code == 404
    assert staff_client.get("/api/v1/webhooks/nonsense/").status_code == 404


def test_staff_rotate_the_secret_and_see_the_new_one_once(staff_client):
    created = _create(staff_client).data
    rotated = staff_client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.data["secret"].startswith("whsec_")
    assert rotated.data["secret"] != created["secret"]
    Webhook(rotated.data["secret"])
    assert "secret" not in staff_client.get(f"/api/v1/webhooks/{created['id']}/").data
    assert staff_client.post("/api/v1/webhooks/000000000000000000000000/rotate-secret/")\
        .status_code == 404
