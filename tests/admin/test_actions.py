"""Admin actions on courses queue real tasks; the worker runs them; the page links to Flower."""
from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from config.documents import OutboxEntry
from config.redis import redis_client
from leaderboard.keys import board_key
from leaderboard.scoring import composite_decode, points_from_cents
from progress.documents import CourseProgress
from tests.admin.conftest import attempt_add, course_make, enrollment_add
from tests.conftest import wait_until

ACTIONS = "/admin/data/courses/actions/"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def board(course_id) -> dict[int, float]:
    """The course's all-time board in Redis as {user_id: points}."""
    return {int(member): points_from_cents(composite_decode(score)[0]) for member, score in
            redis_client().zrange(board_key(str(course_id)), 0, -1, withscores=True)}


def test_rebuild_leaderboard_queues_the_task_links_flower_and_the_worker_builds_the_board(
        admin_browser, course, make_user, celery_worker):
    ada, bob = make_user("ada"), make_user("bob")
    # Stored straight in MongoDB: no task was queued, so only the admin action can build the board.
    attempt_add(user_id=ada.pk, course=course, title="Quiz 1", marks=10)
    attempt_add(user_id=ada.pk, course=course, title="Homework", marks=15)
    attempt_add(user_id=bob.pk, course=course, title="Quiz 1", marks=5)
    assert board(course.id) == {}

    response = admin_browser.post(ACTIONS, {"action": "rebuild_leaderboard",
                                            "_selected_action": [str(course.id)]}, follow=True)

    [message] = shown_messages(response)
    task_id = re.fullmatch(
        rf'Rebuild leaderboard queued for “Intro to Python”: task '
        rf'<a href="http://127.0.0.1:5555/task/({UUID})" class="task-link">\1</a>', message).group(1)
    assert task_id in response.content.decode()
    assert response.redirect_chain[-1][0] == "/admin/data/courses/"
    assert wait_until(lambda: board(course.id)) == {ada.pk: 25.0, bob.pk: 5.0}


def test_recalculate_progress_queues_one_task_and_the_worker_recalculates_every_learner(
        admin_browser, course, make_user, celery_worker):
    ada, bob = make_user("ada"), make_user("bob")
    for learner in (ada, bob):
        enrollment_add(user_id=learner.pk, course=course)
    attempt_add(user_id=ada.pk, course=course, title="Watch: variables", completed=True)
    assert CourseProgress.objects.count() == 0

    response = admin_browser.post(ACTIONS, {"action": "recalculate_progress",
                                            "_selected_action": [str(course.id)]}, follow=True)

    [message] = shown_messages(response)
    assert re.fullmatch(rf"Recalculate progress for all learners queued for “Intro to Python”: "
                        rf'task <a href="http://127.0.0.1:5555/task/({UUID})" '
                        rf'class="task-link">\1</a>', message)

    def recalculated():
        docs = {d["user_id"]: d for d in CourseProgress._get_collection().find()}
        return docs if len(docs) == 2 else None

    docs = wait_until(recalculated)
    assert (docs[ada.pk]["completed_items"], docs[ada.pk]["completion_percent"]) == (1, 20.0)
    assert (docs[bob.pk]["completed_items"], docs[bob.pk]["total_items"]) == (0, 5)


def test_an_action_on_several_courses_queues_one_task_each(admin_browser, staff, celery_worker):
    first = course_make(created_by=staff.pk, slug="first")
    second = course_make(created_by=staff.pk, slug="second")

    response = admin_browser.post(ACTIONS, {"action": "rebuild_leaderboard",
                                            "_selected_action": [str(first.id), str(second.id)]},
                                  follow=True)

    messages = shown_messages(response)
    ids = {re.search(rf"task/({UUID})", m).group(1) for m in messages}
    assert len(messages) == 2 and len(ids) == 2


def test_the_course_page_runs_actions_and_comes_back_to_itself(admin_browser, course, settings,
                                                               make_user, celery_worker):
    settings.FLOWER_URL = "https://flower.example.org/ops"
    attempt_add(user_id=make_user("ada").pk, course=course, title="Quiz 1", marks=10)
    page = f"/admin/data/courses/{course.id}/"
    html = admin_browser.get(page).content.decode()
    assert 'value="Rebuild leaderboard"' in html
    assert 'value="Recalculate progress for all learners"' in html

    response = admin_browser.post(ACTIONS, {"action": "rebuild_leaderboard", "next": page,
                                            "_selected_action": str(course.id)}, follow=True)

    assert response.redirect_chain[-1][0] == page
    assert re.search(rf'href="https://flower.example.org/ops/task/{UUID}"', response.content.decode())
    assert wait_until(lambda: board(course.id))


@pytest.mark.parametrize("form, error", [
    ({"action": "rebuild_leaderboard"}, "Select at least one course."),
    ({"action": "drop_everything", "_selected_action": "x"}, "Unknown action 'drop_everything'."),
    ({"action": "rebuild_leaderboard", "_selected_action": "0" * 24},
     f"Course {'0' * 24} not found"),
])
def test_a_wrong_action_request_shows_why_and_queues_nothing(admin_browser, course, form, error):
    response = admin_browser.post(ACTIONS, {**form, "next": "https://evil.example.com/"},
                                  follow=True)

    assert shown_messages(response) == [error]
    assert response.redirect_chain[-1][0] == "/admin/data/courses/"  # never an outside URL


def test_actions_answer_only_post(admin_browser):
    assert admin_browser.get(ACTIONS).status_code == 405


@pytest.fixture
def broker_unreachable():
    """Tasks are published to a broker address where nothing listens, until the test ends."""
    from celery import Celery

    from config.celery import app as celery_app

    down = Celery("broker-unreachable", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.broker_url = "redis://127.0.0.1:1/0"
    down.set_current()
    yield
    celery_app.set_current()
    down.close()


def test_with_the_broker_down_an_action_parks_the_task_and_says_so(admin_browser, course,
                                                                   broker_unreachable):
    response = admin_browser.post(ACTIONS, {"action": "rebuild_leaderboard",
                                            "_selected_action": str(course.id)}, follow=True)

    assert shown_messages(response) == [
        "Rebuild leaderboard for “Intro to Python”: the task queue is unreachable; the task was "
        "recorded and will be queued as soon as the broker is back."]
    parked = OutboxEntry.objects.get()
    assert (parked.task_name, parked.kwargs) == ("REBUILD_LEADERBOARD", {"course_id": str(course.id)})
