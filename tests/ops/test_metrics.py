"""/metrics: Prometheus text with API, task and domain metrics, readable only by allowed clients."""
from __future__ import annotations

import pytest
from bson import ObjectId
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from config.celery import app as celery_app
from config.redis import redis_client
from leaderboard import keys as leaderboard_keys
from leaderboard.services import leaderboard_board_rebuild, leaderboard_drift_check
from learning.documents import ContentAttempt
from tests.conftest import wait_until
from tests.factories import item_ids, python_course_payload

pytestmark = pytest.mark.django_db


def scrape(**headers) -> dict[tuple, float]:
    """Every sample of one scrape, keyed by (sample name, sorted labels)."""
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels) -> float:
    """How much one series grew between two scrapes (metrics live as long as the process)."""
    return value(after, name, **labels) - value(before, name, **labels)


def test_api_requests_are_counted_and_timed_by_route_name_not_path(staff_client):
    before = scrape()
    staff_client.get("/api/v1/courses/")
    staff_client.get("/api/v1/courses/0123456789abcdef01234567/")
    staff_client.get("/api/v1/courses/ffffffffffffffffffffffff/")
    staff_client.get("/no/such/path/")
    samples = scrape()
    assert moved(before, samples, "lms_http_requests_total", route="course-list", method="GET",
                 status="200") == 1
    assert moved(before, samples, "lms_http_requests_total", route="course-detail",
                 method="GET", status="404") == 2
    assert moved(before, samples, "lms_http_requests_total", route="unmatched", method="GET",
                 status="404") == 1
    assert moved(before, samples, "lms_http_request_duration_seconds_count",
                 route="course-detail", method="GET") == 2
    assert moved(before, samples, "lms_http_request_duration_seconds_bucket",
                 route="course-detail", method="GET", le="+Inf") == 2
    assert moved(before, samples, "lms_http_request_duration_seconds_sum",
                 route="course-detail", method="GET") > 0
    assert not any("0123456789abcdef01234567" in str(key) for key in samples)


def test_attempts_and_recalculations_move_their_metrics(staff_client, make_user, client_for,
                                                        celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    video, quiz1, *_ = item_ids(course)
    learner = client_for(make_user("ada"))
    assert learner.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
    before = scrape()
    for body in ({"content_id": video, "completed": True}, {"content_id": quiz1, "answers": [1, 0]}):
        response = learner.post(f"/api/v1/courses/{course['id']}/attempts/", body, format="json")
        assert response.status_code == 202

    def recalculated():
        samples = scrape()
        runs = value(samples, "lms_task_runs_total", task="RECALCULATE_COURSE", outcome="success")
        return samples if runs > value(before, "lms_task_runs_total", task="RECALCULATE_COURSE",
                                       outcome="success") else None

    after = wait_until(recalculated)
    assert moved(before, after, "lms_attempts_accepted_total", kind="video") == 1
    assert moved(before, after, "lms_attempts_accepted_total", kind="quiz") == 1
    assert moved(before, after, "lms_progress_recalculation_duration_seconds_count") >= 1
    assert moved(before, after, "lms_task_duration_seconds_count", task="RECALCULATE_COURSE") >= 1


def test_a_rebuild_moves_the_rebuild_duration(staff_client, celery_worker):
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    before = value(scrape(), "lms_leaderboard_rebuild_duration_seconds_count")
    response = staff_client.post(f"/api/v1/courses/{course['id']}/leaderboard/rebuild/")
    assert response.status_code == 202, response.content
    wait_until(lambda: value(scrape(), "lms_leaderboard_rebuild_duration_seconds_count") > before)


def test_queue_depth_is_measured_at_scrape_time(progress_queue_paused):
    assert value(scrape(), "lms_celery_queue_length", queue="progress") == 0
    for _ in range(3):
        celery_app.send_task("RECALCULATE_COURSE",
                             kwargs={"user_id": 1, "course_id": "0123456789abcdef01234567"})
    samples = scrape()
    assert value(samples, "lms_celery_queue_length", queue="progress") == 3
    assert ("lms_celery_queue_length", (("queue", "rebuild"),)) in samples
    # Drop them before the worker takes the queue back: they name a course that does not exist.
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("progress")


def test_drift_found_is_exposed_from_the_start_and_counts_what_the_drift_check_repairs(
        staff_client):
    before = scrape()
    assert ("lms_leaderboard_drift_found_total", ()) in before
    course = staff_client.post("/api/v1/courses/", python_course_payload(), format="json").json()
    quiz1 = item_ids(course)[1]
    for user_id in (1, 2):
        ContentAttempt(user_id=user_id, course_id=ObjectId(course["id"]), item_id=ObjectId(quiz1),
                       kind="quiz", marks=5 * user_id).save()
    leaderboard_board_rebuild(course_id=course["id"])
    board = leaderboard_keys.board_key(course["id"])
    redis_client().zadd(board, {"42": 1, "1": 10**12})  # a stranger and a wrong score
    assert leaderboard_drift_check(course_id=course["id"], sample=50)["differed"] == 2
    assert moved(before, scrape(), "lms_leaderboard_drift_found_total") == 2


def test_worker_heartbeat_age_is_a_gauge(celery_worker):
    samples = wait_until(lambda: (s := scrape()) and any(
        k[0] == "lms_worker_heartbeat_age_seconds" for k in s) and s)
    assert value(samples, "lms_worker_heartbeat_age_seconds", worker=celery_worker.hostname) >= 0


def test_metrics_refuse_other_addresses_without_the_token(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    refused = Client().get("/metrics")
    assert refused.status_code == 403
    assert "bearer token" in refused.json()["detail"]
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert scrape(HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
