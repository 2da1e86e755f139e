"""Events reach subscribed endpoints signed (Standard Webhooks), retried with the same
webhook-id after 500s and timeouts, until they succeed, fail for good, or are redelivered."""
from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook

from integrations.documents import IntegrationEvent, WebhookDelivery, WebhookEndpoint
from integrations.services import event_record
from tests.conftest import wait_until
from tests.integrations.conftest import watch
from tests.integrations.receiver import receiver_start, receiver_stop

pytestmark = pytest.mark.django_db


def _delivery(status: str | None = None):
    query = WebhookDelivery.objects(status=status) if status else WebhookDelivery.objects
    return query.first()


def test_an_attempt_reaches_subscribed_endpoints_signed_and_no_one_else(
        celery_worker, receiver, subscribe, course_with_learner):
    subscribe(receiver, ["attempt.accepted", "item.completed"])
    other = receiver_start()
    try:
        subscribe(other, ["course.passed"])
        course_id, ids, learner, client = course_with_learner
        attempt_id = watch(client, course_id, ids["Watch"]).json()["attempt_id"]
        wait_until(lambda: len(receiver.processed) == 2)
        by_type = {p["type"]: p for p in receiver.processed}
        assert set(by_type) == {"attempt.accepted", "item.completed"}
        accepted = by_type["attempt.accepted"]["data"]
        assert (accepted["attempt_id"], accepted["user_id"], accepted["course_id"],
                accepted["item_id"], accepted["kind"], accepted["item_title"]) == (
            attempt_id, learner.pk, course_id, ids["Watch"], "video", "Watch")
        assert by_type["item.completed"]["data"]["attempt_id"] == attempt_id
        for request in receiver.requests:
            assert request.headers["webhook-id"].startswith("evt_")
            assert request.headers["webhook-signature"].startswith("v1,")
            with pytest.raises(Exception):  # noqa: B017 - any other key must fail verification
                Webhook("whsec_" + "A" * 43 + "=").verify(request.body, request.headers)
        wait_until(lambda: WebhookDelivery.objects(status="succeeded").count() == 2)
        assert other.requests == []
    finally:
        receiver_stop(other)


def test_a_500_is_retried_with_the_same_webhook_id_until_it_succeeds(
        celery_worker, receiver, subscribe, course_with_learner):
    receiver.plan = [500, 503, 204]
    subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    delivery = wait_until(lambda: _delivery("succeeded"))
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (3, 204, "")
    assert delivery.last_latency_ms is not None
    gaps = [b.at - a.at for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)]
    assert all(gap >= 0.1 for gap in gaps), gaps  # a back-off, not a hot loop


def test_a_receiver_that_does_not_answer_in_time_is_retried(
        celery_worker, receiver, subscribe, course_with_learner):
    receiver.plan = [("stall", 5)]
    subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: WebhookDelivery.objects(last_error="timeout").first())
    delivery = wait_until(lambda: _delivery("succeeded"))
    assert delivery.attempts == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert len(receiver.processed) == 1


def test_a_delivery_fails_for_good_once_its_retry_window_has_passed(
        celery_worker, receiver, subscribe, course_with_learner, fast_webhooks):
    fast_webhooks.WEBHOOK_RETRY_WINDOW_SECONDS = 1.5
    receiver.default = 500
    subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    delivery = wait_until(lambda: _delivery("failed"))
    assert delivery.attempts >= 2 and delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500" and delivery.next_attempt_at is None
    count = len(receiver.requests)
    time.sleep(1)
    assert len(receiver.requests) == count  # no more tries


def test_redelivery_sends_the_same_webhook_id_and_the_receiver_processes_it_once(
        celery_worker, receiver, subscribe, course_with_learner, staff_client):
    endpoint_id = subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    delivery = wait_until(lambda: _delivery("succeeded"))
    response = staff_client.post(f"/api/v1/webhook-deliveries/{delivery.id}/redeliver/")
    assert response.status_code == 202, response.content
    wait_until(lambda: len(receiver.requests) == 2)
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert len(receiver.processed) == 1
    wait_until(lambda: _delivery("succeeded") and _delivery().attempts == 2)
    log = staff_client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").json()
    assert log["count"] == 1
    assert (log["results"][0]["status"], log["results"][0]["attempts"],
            log["results"][0]["last_status_code"]) == ("succeeded", 2, 204)
    assert staff_client.post("/api/v1/webhook-deliveries/nope/redeliver/").status_code == 404


def test_an_endpoint_failing_again_and_again_opens_its_circuit(
        celery_worker, receiver, subscribe, course_with_learner, fast_webhooks):
    fast_webhooks.WEBHOOK_CIRCUIT_FAILURES = 2
    fast_webhooks.WEBHOOK_CIRCUIT_OPEN_SECONDS = 60
    receiver.default = 500
    endpoint_id = subscribe(receiver, ["attempt.accepted", "item.completed"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    endpoint = wait_until(lambda: WebhookEndpoint.objects(circuit_open_until__ne=None).first())
    assert str(endpoint.id) == endpoint_id and endpoint.consecutive_failures >= 2
    time.sleep(1.5)  # several back-offs: the circuit holds the deliveries back
    tried = len(receiver.requests)
    assert tried <= 3
    time.sleep(1)
    assert len(receiver.requests) == tried
    assert all(d.status == "pending" for d in WebhookDelivery.objects)


def test_an_event_recorded_twice_is_stored_and_delivered_once(
        celery_worker, receiver, subscribe):
    subscribe(receiver, ["enrollment.created"])
    kwargs = {"event_id": "evt_" + "1" * 32, "type": "enrollment.created",
              "key": "enrollment.created:x", "occurred_at": "2026-11-29T12:00:00+00:00",
              "data": {"user_id": 1, "course_id": "c", "enrollment_id": "x"}}
    assert event_record(**kwargs)["deliveries"] == 1
    assert event_record(**kwargs)["deliveries"] == 0
    wait_until(lambda: len(receiver.requests) == 1)
    time.sleep(0.5)
    assert len(receiver.requests) == 1 and IntegrationEvent.objects.count() == 1


def test_a_retry_too_far_out_for_a_countdown_is_sent_by_the_due_sweep(
        celery_worker, receiver, subscribe, course_with_learner, fast_webhooks):
    from celery import current_app

    fast_webhooks.WEBHOOK_COUNTDOWN_MAX_SECONDS = 0  # every retry is left to the sweep
    receiver.plan = [500]
    subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: WebhookDelivery.objects(last_status_code=500).first())
    time.sleep(1)  # well past the back-off: nothing queued the retry
    assert len(receiver.requests) == 1
    current_app.send_task("DELIVER_DUE_WEBHOOKS")  # what beat sends every WEBHOOK_SWEEP_SECONDS
    delivery = wait_until(lambda: _delivery("succeeded"))
    assert delivery.attempts == 2 and len(receiver.requests) == 2


def test_retries_after_a_secret_rotation_are_signed_with_the_new_secret(
        celery_worker, receiver, subscribe, course_with_learner, staff_client, fast_webhooks):
    fast_webhooks.WEBHOOK_RETRY_BASE_SECONDS = 1
    fast_webhooks.WEBHOOK_RETRY_MAX_SECONDS = 1
    receiver.plan = [500]
    endpoint_id = subscribe(receiver, ["attempt.accepted"])
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: receiver.requests)
    rotated = staff_client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret/").data["secret"]
    receiver.secret = rotated  # the receiver verifies with the new secret from now on
    wait_until(lambda: receiver.processed)
    Webhook(rotated).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
