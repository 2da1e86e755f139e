"""A small world for API tests: staff, an enrolled learner, an outsider, two courses."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import item_ids, python_course_payload

UNKNOWN_ID = "0123456789abcdef01234567"
C = "/api/v1/courses/{course}/"  # a course URL template


@dataclass
class ApiWorld:
    staff: APIClient
    ada: APIClient  # enrolled learner
    bob: APIClient  # learner enrolled in nothing
    anonymous: APIClient
    ada_id: int
    bob_id: int
    course_id: str
    draft_id: str  # an unpublished course
    items: list[str]  # video, quiz (2 questions, 5 marks each), assignment (max 20), article, quiz

    def url(self, template: str, *, course_id: str | None = None) -> str:
        return template.format(course=course_id or self.course_id)


def token_client(user) -> APIClient:
    """A client that authenticates like an LMS would, with `Authorization: Token <key>`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(make_user) -> ApiWorld:
    staff, ada, bob = make_user("staff", staff=True), make_user("ada"), make_user("bob")
    staff_client = token_client(staff)
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    draft = staff_client.post("/api/v1/courses/", python_course_payload(slug="draft", published=False),
                              format="json").json()
    ada_client = token_client(ada)
    assert ada_client.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    return ApiWorld(staff=staff_client, ada=ada_client, bob=token_client(bob), anonymous=APIClient(),
                    ada_id=ada.pk, bob_id=bob.pk, course_id=course["id"], draft_id=draft["id"],
                    items=item_ids(course))


def assert_error(response, status: int, code: str | None = None, *, mentions: str | None = None):
    """A JSON error with that status, a `detail` sentence and a `code` (the given one if any)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body
    if mentions is not None:
        assert mentions.lower() in body["detail"].lower() or mentions in body, body
    return body
