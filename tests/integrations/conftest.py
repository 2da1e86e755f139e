"""Fixtures for the integration tests: a loopback receiver, fast retries, a small course."""
from __future__ import annotations

import pytest

from tests.integrations.receiver import Receiver, receiver_start, receiver_stop

pytestmark = pytest.mark.django_db

COURSE = {"title": "Events", "slug": "events", "unlock_mode": "open", "published": True,
          "grading": {"categories": [{"name": "Quizzes", "kinds": ["quiz"], "weight": 100}],
                      "pass_percent": 50},
          "sections": [{"title": "S", "lessons": [{"title": "L", "items": [
              {"title": "Watch", "kind": "video"},
              {"title": "Quiz", "kind": "quiz", "pass_marks": 5, "questions": [
                  {"prompt": "2+2?", "choices": ["3", "4"], "answer": 1, "marks": 5}]}]}]}]}


@pytest.fixture(autouse=True)
def _webhooks_apart(request):
    """Tests with workers run the webhooks queue on a worker of its own (tests/conftest.py)."""
    if "celery_worker" in request.fixturenames:
        request.getfixturevalue("webhook_worker")


@pytest.fixture
def fast_webhooks(settings):
    """Loopback allowed, and retries, timeouts and the circuit on a scale of seconds."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    settings.WEBHOOK_RETRY_MAX_SECONDS = 0.5
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_CIRCUIT_FAILURES = 100
    return settings


@pytest.fixture
def receiver():
    found = receiver_start()
    yield found
    receiver_stop(found)


@pytest.fixture
def staff_client(staff, client_for):
    return client_for(staff)


@pytest.fixture
def subscribe(staff_client, fast_webhooks):
    """Add an endpoint for a receiver; the receiver learns the secret to verify signatures."""
    def make(receiver: Receiver, event_types: list[str], **extra) -> str:
        response = staff_client.post("/api/v1/webhooks/", {"url": receiver.url,
                                                           "event_types": event_types, **extra},
                                     format="json")
        assert response.status_code == 201, response.content
        receiver.secret = response.data["secret"]
        return response.data["id"]

    return make


@pytest.fixture
def course_with_learner(staff_client, make_user, client_for):
    """The course, its item ids by title, and an enrolled learner's client."""
    response = staff_client.post("/api/v1/courses/", COURSE, format="json")
    assert response.status_code == 201, response.content
    course = response.json()
    ids = {i["title"]: i["id"] for s in course["sections"] for lesson in s["lessons"]
           for i in lesson["items"]}
    learner = make_user("ada")
    client = client_for(learner)
    assert client.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    return course["id"], ids, learner, client


def watch(client, course_id: str, item_id: str):
    response = client.post(f"/api/v1/courses/{course_id}/attempts/",
                           {"content_id": item_id, "completed": True}, format="json")
    assert response.status_code == 202, response.content
    return response


def answer(client, course_id: str, item_id: str, right: bool = True):
    response = client.post(f"/api/v1/courses/{course_id}/attempts/",
                           {"content_id": item_id, "answers": [1 if right else 0]}, format="json")
    assert response.status_code == 202, response.content
    return response
