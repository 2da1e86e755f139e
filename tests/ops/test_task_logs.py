"""One structured log line per task run, written by the real worker (success, retry, failure)."""
from __future__ import annotations

import logging
import re

import pytest
import redis.exceptions

from config.celery import app as celery_app
from config.redis import redis_client
from config.task_signals import logfmt
from config.tasks import domain_task
from tests.conftest import wait_until
from tests.factories import python_course_payload

pytestmark = pytest.mark.django_db

FLAKY_COUNTER = "test:ops:flaky-runs"


# Registered at import (collection), before the session worker starts, so the worker knows it.
@domain_task(name="TEST_OPS_FLAKY", max_retries=3)
def flaky(course_id: str, user_id: int) -> int:
    """Fails with a transient error on its first run, succeeds on the retry."""
    if redis_client().incr(FLAKY_COUNTER) == 1:
        raise redis.exceptions.ConnectionError("simulated broker blip")
    return 1


def task_lines(caplog, task_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lms.tasks" and f"task_id={task_id}" in r.message]


def fields(record: logging.LogRecord) -> dict:
    return dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', record.getMessage()))


def test_a_successful_run_logs_one_line_with_ids_duration_outcome_and_retries(
        caplog, staff_client, celery_worker):
    caplog.set_level(logging.INFO, logger="lms.tasks")
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    result = celery_app.send_task("RECALCULATE_COURSE",
                                  kwargs={"user_id": 42, "course_id": course["id"]})
    lines = wait_until(lambda: task_lines(caplog, result.id))
    assert len(lines) == 1
    line = fields(lines[0])
    assert line["task"] == "RECALCULATE_COURSE"
    assert line["user_id"] == "42"
    assert line["course_id"] == course["id"]
    assert line["outcome"] == "success"
    assert line["retries"] == "0"
    assert line["queue"] == "progress"
    assert float(line["duration_ms"]) > 0
    assert lines[0].task_run["outcome"] == "success"


def test_a_failing_run_logs_failure_with_the_reason(caplog, celery_worker):
    caplog.set_level(logging.INFO, logger="lms.tasks")
    result = celery_app.send_task("RECALCULATE_COURSE", kwargs={"user_id": 7, "course_id": "nope"})
    lines = wait_until(lambda: task_lines(caplog, result.id))
    assert len(lines) == 1
    line = fields(lines[0])
    assert line["outcome"] == "failure"
    assert lines[0].levelno == logging.ERROR
    assert "InvalidInput" in line["reason"]


def test_a_retried_run_logs_retry_then_success_with_the_retry_count(caplog, celery_worker):
    caplog.set_level(logging.INFO, logger="lms.tasks")
    redis_client().delete(FLAKY_COUNTER)
    result = flaky.apply_async(kwargs={"course_id": "c1", "user_id": 5}, queue="celery")
    lines = wait_until(lambda: (found := task_lines(caplog, result.id)) and len(found) == 2 and found)
    first, second = (fields(line) for line in lines)
    assert (first["outcome"], first["retries"]) == ("retry", "0")
    assert "ConnectionError" in first["reason"]
    assert (second["outcome"], second["retries"]) == ("success", "1")
    assert second["user_id"] == "5" and second["course_id"] == "c1"


def test_logfmt_quotes_values_with_spaces_and_quotes():
    assert logfmt({"a": 1, "b": 'x "y"', "c": None}) == 'a=1 b="x \\"y\\"" c=""'
