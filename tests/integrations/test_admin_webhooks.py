"""Staff add, see and change webhook endpoints in the admin."""
from __future__ import annotations

import pytest
from django.test import Client

from integrations.documents import WebhookEndpoint


@pytest.fixture
def admin_browser(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def test_staff_add_an_endpoint_in_the_admin_and_see_the_secret_once(admin_browser):
    form = admin_browser.get("/admin/data/webhooks/add/")
    assert form.status_code == 200
    added = admin_browser.post("/admin/data/webhooks/add/", {
        "url": "https://93.184.216.34/hook", "event_types": ["course.completed", "item.completed"],
        "active": "on", "description": "certificates"})
    assert added.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["item.completed", "course.completed"]
    assert endpoint.secret in added.content.decode()
    page = admin_browser.get(f"/admin/data/webhooks/{endpoint.id}/")
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    listing = admin_browser.get("/admin/data/webhooks/").content.decode()
    assert "https://93.184.216.34/hook" in listing and "Add webhook endpoint" in listing
    assert "Webhook endpoints" in admin_browser.get("/admin/").content.decode()


def test_the_admin_refuses_internal_urls_and_says_why(admin_browser):
    refused = admin_browser.post("/admin/data/webhooks/add/", {
        "url": "http://169.254.169.254/", "event_types": ["course.completed"], "active": "on"})
    assert refused.status_code == 200
    assert "internal address" in refused.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_staff_switch_an_endpoint_off_in_the_admin(admin_browser):
    admin_browser.post("/admin/data/webhooks/add/", {
        "url": "https://93.184.216.34/hook", "event_types": ["course.completed"], "active": "on"})
    endpoint = WebhookEndpoint.objects.get()
    saved = admin_browser.post(f"/admin/data/webhooks/{endpoint.id}/", {
        "url": "https://93.184.216.34/other", "event_types": ["course.passed"]})
    assert saved.status_code == 302
    endpoint.reload()
    assert (endpoint.url, endpoint.event_types, endpoint.active) == (
        "https://93.184.216.34/other", ["course.passed"], False)
    assert admin_browser.get("/admin/data/webhooks/000000000000000000000000/").status_code == 404
