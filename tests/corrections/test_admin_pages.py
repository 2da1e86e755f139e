"""Corrections in the admin: overrides, resets, the archive and erasures listed with who/when/why,
and the learner's attempt and progress pages showing them."""
from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from learning.correction_documents import CourseReset
from learning.documents import ContentAttempt
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]

DATA = "/admin/data/"


def _rows(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    body = re.search(r"<tbody>(.*?)</tbody>", response.content.decode(), re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


@pytest.fixture
def browser(world) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=world.staff_id))
    return client


def test_every_correction_is_listed_with_who_when_and_why(world, browser):
    world.quiz1_attempt(world.bob, right=2)
    for marks, reason in ((3, "Copied answers."), (6, "Partly copied, on review.")):
        assert world.staff.post(world.course + "overrides/",
                                {"user_id": world.bob_id, "content_id": world.quiz1,
                                 "marks": marks, "reason": reason}, format="json").status_code == 202
    world.quiz1_attempt(world.ada, right=1)
    assert world.staff.post(world.course + f"learners/{world.ada_id}/reset/",
                            {"reason": "Asked to start again."}, format="json").status_code == 202
    assert world.staff.delete(f"/api/v1/users/{world.ada_id}/").status_code == 204

    index = browser.get(DATA).content.decode()
    for url in ("overrides/", "resets/", "archived-attempts/", "erasures/"):
        assert f'href="{DATA}{url}"' in index

    overrides = _rows(browser.get(DATA + "overrides/"))
    assert len(overrides) == 2
    assert f"set 6 3 Partly copied, on review. staff (#{world.staff_id})" in overrides[0]
    assert f"bob (#{world.bob_id})" in overrides[0] and "staff change applied" in overrides[0]
    assert _rows(browser.get(DATA + "overrides/", {"action": "removed"})) == []
    assert len(_rows(browser.get(DATA + "overrides/", {"q": "bob"}))) == 2

    resets = _rows(browser.get(DATA + "resets/"))
    assert len(resets) == 1
    # The reset came before the erasure: its learner is anonymous now, its reason gone.
    assert "anonymous (#" in resets[0] and "(removed when the learner was erased)" in resets[0]
    assert f"staff (#{world.staff_id}) 1 0 done" in resets[0]
    reset_id = str(CourseReset.objects.get().id)
    archived = _rows(browser.get(DATA + "archived-attempts/", {"q": reset_id}))
    assert len(archived) == 1 and "quiz" in archived[0] and reset_id in archived[0]

    erasures = _rows(browser.get(DATA + "erasures/"))
    assert len(erasures) == 1 and f"#{world.ada_id}" in erasures[0]
    assert "open (rechecking)" in erasures[0] and "ada" not in erasures[0]

    # The learner's own pages show the corrections.
    attempt = ContentAttempt.objects.get(user_id=world.bob_id)
    page = browser.get(DATA + f"attempts/{attempt.id}/").content.decode()
    assert "Partly copied, on review." in page and "Copied answers." in page
    wait_until(lambda: browser.get(DATA + f"progress/{world.bob_id}:{world.course_id}/")
               .status_code == 200)
    progress = browser.get(DATA + f"progress/{world.bob_id}:{world.course_id}/").content.decode()
    assert "set 6 (was 3)" in progress


def test_learners_do_not_see_the_corrections_pages(world):
    client = Client()
    client.force_login(get_user_model().objects.get(pk=world.bob_id))
    for url in ("overrides/", "resets/", "archived-attempts/", "erasures/"):
        response = client.get(DATA + url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
