"""Editing courses and items in the admin: the API's rules decide, errors show on the form."""
from __future__ import annotations

import json

from django.test import Client

from learning.documents import ContentAttempt, Course
from progress.documents import CourseProgress
from progress.services import progress_recalculate
from tests.admin.conftest import activity_add, attempt_add, course_make, item_named, items_of

DATA = "/admin/data/"


def form_data(course: Course, **changes) -> dict:
    """What the course form posts for this course, as the change page shows it, with changes."""
    from backoffice.views.common import course_data

    detail = course_data(course)
    data = {"title": detail["title"], "slug": detail["slug"], "description": detail["description"],
            "unlock_mode": detail["unlock_mode"], "outline": json.dumps(detail["sections"])}
    if detail["published"]:
        data["published"] = "on"
    data.update(changes)
    return data


def test_course_change_page_shows_the_outline_as_json_with_its_ids(admin_browser, course):
    html = admin_browser.get(f"{DATA}courses/{course.id}/").content.decode()

    assert 'name="outline"' in html
    for item in items_of(course):
        assert str(item.id) in html
    assert "&quot;answer&quot;: 1" in html  # staff see the quiz answer key they edit


def test_saving_a_valid_course_edit_stores_it(admin_browser, course):
    sections = json.loads(form_data(course)["outline"])
    sections[0]["lessons"][0]["items"].append({"title": "Read: more", "kind": "article"})

    response = admin_browser.post(f"{DATA}courses/{course.id}/", form_data(
        course, title="Python from scratch", outline=json.dumps(sections)), follow=True)

    stored = Course.objects.get(id=course.id)
    assert response.redirect_chain[-1][0] == f"{DATA}courses/{course.id}/"
    assert "Course “Python from scratch” was saved (outline version 2)." in response.content.decode()
    assert stored.title == "Python from scratch"
    assert [i.title for i in stored.outline.sections[0].lessons[0].items][-1] == "Read: more"
    # Elements sent with their id keep it, so attempts stay attached.
    assert [i.id for i in items_of(stored)][:3] == [i.id for i in items_of(course)][:3]


def test_an_outline_the_api_refuses_shows_the_error_and_changes_nothing(admin_browser, course):
    sections = json.loads(form_data(course)["outline"])
    del sections[0]["lessons"][0]["items"][2]["max_marks"]  # the assignment

    response = admin_browser.post(f"{DATA}courses/{course.id}/",
                                  form_data(course, title="Renamed", outline=json.dumps(sections)))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the error below." in html
    assert "section 1 › lesson 1 › item 3 › max_marks: An assignment needs max_marks &gt; 0." in html
    stored = Course.objects.get(id=course.id)
    assert (stored.title, stored.outline_version) == ("Intro to Python", 1)
    assert stored.outline.sections[0].lessons[0].items[2].max_marks == 20


def test_field_errors_of_the_serializer_land_on_their_fields(admin_browser, course):
    response = admin_browser.post(f"{DATA}courses/{course.id}/",
                                  form_data(course, title="", slug="not a slug"))

    html = response.content.decode()
    assert "This field may not be blank." in html
    assert "Enter a valid &quot;slug&quot;" in html
    assert Course.objects.get(id=course.id).slug == "intro-python"


def test_unlock_rules_that_wait_on_each_other_are_refused(admin_browser, course):
    sections = json.loads(form_data(course)["outline"])
    first, second = sections[0], sections[1]
    first["rules"] = {"completed": second["id"]}
    second["rules"] = {"completed": first["id"]}

    response = admin_browser.post(f"{DATA}courses/{course.id}/",
                                  form_data(course, outline=json.dumps(sections)))

    assert "These unlock rules wait on each other" in response.content.decode()
    assert Course.objects.get(id=course.id).outline.sections[0].rules == {}


def test_a_taken_slug_and_broken_json_are_shown_on_their_fields(admin_browser, course, staff):
    course_make(created_by=staff.pk, slug="taken")

    taken = admin_browser.post(f"{DATA}courses/{course.id}/", form_data(course, slug="taken"))
    broken = admin_browser.post(f"{DATA}courses/{course.id}/", form_data(course, outline="[{"))

    assert "A course with slug &#x27;taken&#x27; already exists." in taken.content.decode()
    assert "Not valid JSON" in broken.content.decode()
    assert Course.objects.get(id=course.id).slug == "intro-python"


def test_adding_a_course_creates_it_with_its_outline(admin_browser):
    outline = [{"title": "Only section", "lessons": [{"title": "Only lesson", "items": [
        {"title": "Homework", "kind": "assignment", "max_marks": 10}]}]}]

    response = admin_browser.post(DATA + "courses/add/", {
        "title": "New course", "slug": "new-course", "unlock_mode": "open",
        "outline": json.dumps(outline)})

    course = Course.objects.get(slug="new-course")
    assert response["Location"] == f"{DATA}courses/{course.id}/"
    assert course.unlock_mode == "open" and course.published is False
    assert items_of(course)[0].max_marks == 10


def test_item_edit_saves_its_fields_and_keeps_the_rest_of_the_outline(admin_browser, course):
    homework = item_named(course, "Homework")
    url = f"{DATA}courses/{course.id}/items/{homework.id}/"

    page = admin_browser.get(url).content.decode()
    response = admin_browser.post(url, {"title": "Project", "kind": "assignment", "max_marks": "40",
                                        "pass_marks": "25", "optional": "on"})

    assert 'value="Homework"' in page and 'name="max_marks" value="20"' in page
    assert response["Location"] == url
    stored = Course.objects.get(id=course.id)
    item = item_named(stored, "Project")
    assert (item.id, item.max_marks, item.pass_marks, item.optional) == (homework.id, 40, 25, True)
    assert stored.outline_version == 2
    assert len(item_named(stored, "Quiz 1").questions) == 2


def test_item_edit_refused_by_the_api_rules_shows_errors_on_the_item_fields(admin_browser, course):
    quiz = item_named(course, "Quiz 1")
    url = f"{DATA}courses/{course.id}/items/{quiz.id}/"

    too_high = admin_browser.post(url, {"title": "Quiz 1", "kind": "quiz", "max_marks": "10",
                                        "pass_marks": "12"})
    not_the_sum = admin_browser.post(url, {"title": "Quiz 1", "kind": "quiz", "max_marks": "50"})
    as_video = admin_browser.post(url, {"title": "Quiz 1", "kind": "video"})

    assert "Must not exceed max_marks." in too_high.content.decode()
    assert "A quiz&#x27;s max_marks is the sum of its question marks (10.0)." in not_the_sum.content.decode()
    assert "Only quizzes have questions." in as_video.content.decode()
    stored = item_named(Course.objects.get(id=course.id), "Quiz 1")
    assert (stored.kind, stored.max_marks, stored.pass_marks) == ("quiz", 10, 6)


def test_an_unknown_course_or_item_is_a_404(admin_browser, course):
    assert admin_browser.get(f"{DATA}courses/{'0' * 24}/").status_code == 404
    assert admin_browser.get(f"{DATA}courses/not-an-id/").status_code == 404
    assert admin_browser.get(f"{DATA}courses/{course.id}/items/{'0' * 24}/").status_code == 404


def test_attempts_progress_and_activity_pages_are_read_only(admin_browser, course, make_user):
    ada = make_user("ada")
    attempt = attempt_add(user_id=ada.pk, course=course, title="Quiz 1", marks=5)
    progress_recalculate(user_id=ada.pk, course_id=str(course.id))
    progress = CourseProgress.objects.get(user_id=ada.pk)
    event = activity_add(user_id=ada.pk, verb="attempted", course=course)
    pages = [f"{DATA}attempts/{attempt.id}/", f"{DATA}progress/{progress.id}/",
             f"{DATA}activity/{event.event_id}/", DATA + "attempts/", DATA + "progress/",
             DATA + "activity/", DATA + "enrollments/", DATA + "items/", DATA + "courses/"]

    shown = admin_browser.get(pages[0]).content.decode()
    refused = [admin_browser.post(url, {"marks": "9"}).status_code for url in pages]

    assert "Read-only" in shown and "ada (#" in shown and 'name="marks"' not in shown
    assert refused == [405] * len(pages)
    assert ContentAttempt.objects.get(id=attempt.id).marks == 5


def test_posts_without_the_csrf_token_are_refused(staff, course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert 'name="csrfmiddlewaretoken"' in client.get(f"{DATA}courses/{course.id}/").content.decode()

    edit = client.post(f"{DATA}courses/{course.id}/", form_data(course, title="Hijacked"))
    action = client.post(DATA + "courses/actions/", {"action": "rebuild_leaderboard",
                                                     "_selected_action": str(course.id)})

    assert (edit.status_code, action.status_code) == (403, 403)
    assert Course.objects.get(id=course.id).title == "Intro to Python"
