"""Course edits under concurrency: a stale edit is refused and changes nothing."""
from __future__ import annotations

import threading
import time

import pytest

from learning.documents import Course
from learning.selectors import course_outline_get
from tests.factories import python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(staff_client) -> dict:
    response = staff_client.post("/api/v1/courses/", python_course_payload(), format="json")
    assert response["ETag"] == '"1"'
    return response.json()


def test_an_edit_with_the_current_etag_is_stored_and_returns_the_next_one(staff_client, course):
    url = f"/api/v1/courses/{course['id']}/"
    etag = staff_client.get(url)["ETag"]
    response = staff_client.patch(url, {"title": "Python, revised"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["revision"] == 2


def test_an_edit_from_a_stale_read_is_refused_with_412_and_changes_nothing(staff_client, course):
    url = f"/api/v1/courses/{course['id']}/"
    stale = staff_client.get(url)["ETag"]
    assert staff_client.patch(url, {"title": "First"}, format="json", HTTP_IF_MATCH=stale).status_code == 200
    refused = staff_client.patch(url, {"title": "Second", "unlock_mode": "open"}, format="json",
                                 HTTP_IF_MATCH=stale)
    assert refused.status_code == 412
    assert refused.json()["code"] == "precondition_failed" and refused.json()["revision"] == 2
    stored = Course.objects.get(id=course["id"])
    assert (stored.title, stored.unlock_mode, stored.revision) == ("First", "sequential", 2)


@pytest.mark.parametrize("header", ["seven", '"-1"', '"' + "9" * 30 + '"'])
def test_a_malformed_if_match_is_a_400(staff_client, course, header):
    response = staff_client.patch(f"/api/v1/courses/{course['id']}/", {"title": "x"}, format="json",
                                  HTTP_IF_MATCH=header)
    assert response.status_code == 400 and response.json()["code"] == "invalid_if_match"


def _edit_rounds(client_for, staff, url: str, rounds: int, *, send_if_match: bool) -> dict:
    """Two editors, `rounds` times: both read the course, then both store their edit at once."""
    both_ready = threading.Barrier(2)
    results: dict[str, list[int]] = {"ann": [], "bea": []}

    def editor(name: str) -> None:
        client = client_for(staff)
        for n in range(rounds):
            read = client.get(url)
            body = read.json()
            body["sections"][0]["lessons"][0]["items"][0]["title"] = f"{name}-{n}"
            headers = {"HTTP_IF_MATCH": read["ETag"]} if send_if_match else {}
            both_ready.wait(timeout=30)
            results[name].append(client.put(url, body, format="json", **headers).status_code)
            both_ready.wait(timeout=30)  # the round is over for both before the next read

    threads = [threading.Thread(target=editor, args=(name,)) for name in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _one_edit_per_round_stored(course_id: str, results: dict, rounds: int,
                               losers: tuple[int, ...]) -> None:
    """Per round one edit stored (200), the other refused with one of `losers`."""
    for n in range(rounds):
        winner, loser = sorted((results["ann"][n], results["bea"][n]))
        assert winner == 200 and loser in losers, (n, results)
    course_doc = Course.objects.get(id=course_id)
    assert course_doc.outline_version == 1 + rounds and course_doc.revision == 1 + rounds
    winner = "ann" if results["ann"][-1] == 200 else "bea"
    outline = course_outline_get(course_id=course_id)
    assert outline.version == course_doc.outline_version
    assert outline.sections[0].lessons[0].items[0].title == f"{winner}-{rounds - 1}"


def test_editors_sending_if_match_cannot_overwrite_each_other(staff, client_for, course):
    """Both read the same revision and store at once: one edit is stored, the other is refused
    (412 when its If-Match is checked after the other stored, else 409 when the stores race)."""
    results = _edit_rounds(client_for, staff, f"/api/v1/courses/{course['id']}/", 8, send_if_match=True)
    _one_edit_per_round_stored(course["id"], results, 8, losers=(409, 412))


def test_edits_racing_inside_the_server_never_share_an_outline_version(staff, client_for, course,
                                                                       monkeypatch):
    """Without If-Match, two edits whose requests overlap (course writes slowed at the driver, so
    both read the same revision before either stores) cannot both be stored: one gets 409."""
    collection_class = type(Course._get_collection())  # mongomock's or pymongo's
    original_update = collection_class.update_one

    def slow_course_writes(self, *args, **kwargs):
        if self.name == "courses":
            time.sleep(0.2)
        return original_update(self, *args, **kwargs)

    monkeypatch.setattr(collection_class, "update_one", slow_course_writes)
    results = _edit_rounds(client_for, staff, f"/api/v1/courses/{course['id']}/", 4, send_if_match=False)
    _one_edit_per_round_stored(course["id"], results, 4, losers=(409,))
