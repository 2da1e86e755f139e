"""Attempts and completions become xAPI 1.0.3 statements: valid (ralph's xAPI models), paged by
staff, and forwarded to an LRS through the delivery machinery."""
from __future__ import annotations

import base64
import json

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from integrations.documents import IntegrationEvent, WebhookDelivery, XapiStatement
from tests.conftest import wait_until
from tests.integrations.conftest import answer, watch

pytestmark = pytest.mark.django_db

STATEMENTS = "/api/v1/xapi/statements/"


def _verbs(statements: list[dict]) -> list[str]:
    return sorted(s["verb"]["display"]["en-US"] for s in statements)


def _settled(count: int) -> None:
    wait_until(lambda: XapiStatement.objects.count() >= count)


@pytest.fixture
def xapi_settings(settings):
    settings.XAPI_ACCOUNT_HOMEPAGE = "https://school.example.org"
    settings.XAPI_IRI_BASE = "https://school.example.org/xapi"
    return settings


def test_attempts_and_completions_become_valid_statements_with_the_mapped_verbs(
        celery_worker, course_with_learner, staff_client, xapi_settings):
    course_id, ids, learner, client = course_with_learner
    answer(client, course_id, ids["Quiz"], right=False)
    watch(client, course_id, ids["Watch"])
    answer(client, course_id, ids["Quiz"])
    # wrong: answered, scored, failed; video: experienced + item completed; right: answered,
    # scored, passed + item completed; then the course: completed and passed.
    _settled(11)
    wait_until(lambda: IntegrationEvent.objects(type="course.passed").count())
    _settled(11)
    statements = staff_client.get(STATEMENTS).json()["statements"]
    assert _verbs(statements) == sorted(["answered", "scored", "failed", "experienced", "completed",
                                         "answered", "scored", "passed", "completed", "completed",
                                         "passed"])
    for statement in statements:
        BaseXapiStatement.model_validate(statement)
        assert statement["actor"]["account"] == {"homePage": "https://school.example.org",
                                                 "name": str(learner.pk)}
        assert statement["object"]["id"].startswith(f"https://school.example.org/xapi/courses/{course_id}")
        assert statement["version"] == "1.0.3"
    failed = next(s for s in statements if s["verb"]["id"].endswith("/failed"))
    assert failed["result"]["score"] == {"raw": 0, "min": 0, "max": 5, "scaled": 0}
    assert failed["object"]["id"].endswith(f"/items/{ids['Quiz']}")
    assert failed["object"]["definition"]["name"] == {"en-US": "Quiz"}
    course_passed = [s for s in statements if s["verb"]["id"].endswith("/passed")
                     and s["object"]["id"].endswith(course_id)]
    assert course_passed[0]["result"]["score"] == {"scaled": 1.0}


def test_statements_page_through_since_and_more_links(celery_worker, course_with_learner,
                                                      staff_client, make_user, client_for):
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    answer(client, course_id, ids["Quiz"])
    _settled(8)
    wait_until(lambda: IntegrationEvent.objects(type="course.passed").count())
    everything = staff_client.get(STATEMENTS, {"limit": 500}).json()
    assert everything["more"] == ""
    seen, url, params = [], STATEMENTS, {"limit": 3}
    while url:
        page = staff_client.get(url, params).json()
        assert len(page["statements"]) <= 3
        seen += [s["id"] for s in page["statements"]]
        url, params = page["more"], None
    assert seen == [s["id"] for s in everything["statements"]]
    assert len(set(seen)) == len(seen) == XapiStatement.objects.count()
    last = everything["statements"][-1]["stored"]
    assert staff_client.get(STATEMENTS, {"since": last}).json()["statements"] == []
    assert staff_client.get(STATEMENTS, {"limit": 0}).status_code == 400
    assert staff_client.get(STATEMENTS, {"since": "yesterday"}).status_code == 400
    assert staff_client.get(STATEMENTS, {"cursor": "nonsense"}).status_code == 400
    learner = client_for(make_user("eve"))
    assert learner.get(STATEMENTS).status_code == 403


def test_statements_are_forwarded_to_an_lrs_with_basic_auth_and_retried(
        celery_worker, course_with_learner, receiver, fast_webhooks):
    fast_webhooks.XAPI_LRS_URL = receiver.url
    fast_webhooks.XAPI_LRS_USERNAME, fast_webhooks.XAPI_LRS_PASSWORD = "lrs-key", "lrs-secret"
    receiver.plan = [502]
    course_id, ids, _, client = course_with_learner
    watch(client, course_id, ids["Watch"])
    wait_until(lambda: WebhookDelivery.objects(target="lrs", status="succeeded").count() == 2)
    good = [r for r in receiver.requests[1:]]
    assert receiver.requests[0].body in [r.body for r in good]  # the 502 was tried again
    for request in good:
        assert request.headers["x-experience-api-version"] == "1.0.3"
        assert request.headers["authorization"] == "Basic " + base64.b64encode(
            b"lrs-key:lrs-secret").decode()
        for statement in json.loads(request.body):
            BaseXapiStatement.model_validate(statement)
    sent = sorted(s["verb"]["display"]["en-US"] for r in good for s in json.loads(r.body))
    assert sent == ["completed", "experienced"]


def test_options_given_without_a_value_are_refused(staff_client):
    for option in ("since", "limit", "cursor"):
        response = staff_client.get(STATEMENTS, {option: ""})
        assert response.status_code == 400, option
        assert option in str(response.json())
