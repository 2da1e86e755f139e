"""One request id from the HTTP request into the tasks it queued and their log lines; JSON logs."""
from __future__ import annotations

import json
import logging
import threading

import pytest
from celery.signals import task_success
from django.conf import settings
from django.utils.module_loading import import_string

from config.logging import ContextFilter
from config.request_id import current_request_id
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def task_request_ids():
    """Task name -> the request id each run saw while it ran, recorded by the real worker."""
    seen: dict[str, list[str | None]] = {}
    lock = threading.Lock()

    def record(sender=None, **kwargs):
        with lock:
            seen.setdefault(sender.name, []).append(current_request_id.get())

    task_success.connect(record, weak=False)
    yield seen
    task_success.disconnect(record)


def test_the_tasks_an_attempt_queues_run_under_the_requests_id(staff_client, make_user, client_for,
                                                               celery_worker, task_request_ids):
    course = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                               format="json").json()
    learner = client_for(make_user("ada"))
    learner.post(f"/api/v1/courses/{course['id']}/enroll/")
    # The enrollment's own recalculation has run, so the attempt's is not folded into it.
    wait_until(lambda: not learner.get(f"/api/v1/courses/{course['id']}/progress/").json()["pending"])
    response = learner.post(f"/api/v1/courses/{course['id']}/attempts/",
                            {"content_id": item_ids(course)[1], "answers": [1, 0]}, format="json",
                            HTTP_X_REQUEST_ID="client-req-42")
    assert response.status_code == 202
    assert response["X-Request-ID"] == "client-req-42"
    tasks = ("RECALCULATE_COURSE", "UPDATE_LEADERBOARD", "LOG_ACTIVITY")
    wait_until(lambda: all("client-req-42" in task_request_ids.get(name, ()) for name in tasks))


def test_a_request_without_an_id_or_with_an_unsafe_one_gets_a_fresh_one(staff_client):
    plain = staff_client.get("/api/v1/courses/")
    unsafe = staff_client.get("/api/v1/courses/", HTTP_X_REQUEST_ID="bad id\nInjected: yes")
    for response in (plain, unsafe):
        assert len(response["X-Request-ID"]) == 32 and response["X-Request-ID"].isalnum()
    assert plain["X-Request-ID"] != unsafe["X-Request-ID"]


def test_json_log_lines_carry_the_process_name_and_the_request_id(monkeypatch):
    formatter_spec = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(formatter_spec.pop("()"))(**formatter_spec)
    monkeypatch.setattr("config.logging.PROCESS_NAME", "worker")
    record = logging.LogRecord("lms.tasks", logging.INFO, __file__, 1, "task=%s done", ("X",), None)
    token = current_request_id.set("req-7")
    try:
        ContextFilter().filter(record)
    finally:
        current_request_id.reset(token)
    line = json.loads(formatter.format(record))
    assert line["message"] == "task=X done"
    assert line["process_name"] == "worker" and line["request_id"] == "req-7"
    assert line["level"] == "INFO" and line["logger"] == "lms.tasks"
