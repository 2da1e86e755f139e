"""Operators see deliveries: the log (API and admin), redelivery from the admin, and metrics per
endpoint and outcome on /metrics."""
from __future__ import annotations

import pytest
from django.test import Client

from integrations.documents import WebhookDelivery
from tests.conftest import wait_until
from tests.integrations.conftest import watch
from tests.ops.test_metrics import moved, scrape

pytestmark = pytest.mark.django_db


def test_metrics_count_deliveries_per_endpoint_and_outcome_and_time_them(
        celery_worker, receiver, subscribe, course_with_learner):
    receiver.plan = [500]
    endpoint_id = subscribe(receiver, ["attempt.accepted"])
    before = scrape()
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: WebhookDelivery.objects(status="succeeded").first())
    after = scrape()
    name = "lms_webhook_deliveries_total"
    assert moved(before, after, name, endpoint=endpoint_id, outcome="retrying") == 1
    assert moved(before, after, name, endpoint=endpoint_id, outcome="succeeded") == 1
    assert moved(before, after, "lms_webhook_delivery_duration_seconds_count",
                 endpoint=endpoint_id) == 2


def test_the_api_log_filters_by_status_and_refuses_bad_options(
        celery_worker, receiver, subscribe, course_with_learner, staff_client):
    endpoint_id = subscribe(receiver, ["attempt.accepted", "item.completed"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: WebhookDelivery.objects(status="succeeded").count() == 2)
    url = f"/api/v1/webhooks/{endpoint_id}/deliveries/"
    log = staff_client.get(url, {"status": "succeeded", "limit": 1}).json()
    assert log["count"] == 2 and len(log["results"]) == 1
    row = log["results"][0]
    assert row["event_type"] in ("attempt.accepted", "item.completed")
    assert row["attempts"] == 1 and row["last_status_code"] == 204 and row["last_latency_ms"] >= 0
    assert staff_client.get(url, {"status": "failed"}).json()["count"] == 0
    bad = staff_client.get(url, {"limit": 0})
    assert bad.status_code == 400
    assert staff_client.get(url, {"status": "lost"}).status_code == 400


def test_staff_see_the_log_and_redeliver_from_the_admin(
        celery_worker, receiver, subscribe, course_with_learner, staff):
    endpoint_id = subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    delivery = wait_until(lambda: WebhookDelivery.objects(status="succeeded").first())
    browser = Client()
    browser.force_login(staff)
    page = browser.get(f"/admin/data/webhooks/{endpoint_id}/").content.decode()
    assert delivery.event_id in page and "succeeded" in page and "Redeliver" in page
    response = browser.post(f"/admin/data/webhooks/{endpoint_id}/redeliver/",
                            {"delivery_id": delivery.id}, follow=True)
    assert response.status_code == 200
    wait_until(lambda: len(receiver.requests) == 2)
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    other = browser.post(f"/admin/data/webhooks/{endpoint_id}/redeliver/",
                         {"delivery_id": "evt_x:000000000000000000000000"})
    assert other.status_code == 404
