"""The admin's MongoDB list pages: search, filters, pagination, staff only."""
from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from progress.documents import CourseProgress
from tests.admin.conftest import activity_add, attempt_add, course_make, enrollment_add

DATA = "/admin/data/"


def result_rows(response) -> list[str]:
    """The text of each row of the results table."""
    html = response.content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_admin_index_lists_the_mongodb_pages_next_to_the_django_models(admin_browser):
    html = admin_browser.get("/admin/").content.decode()

    assert "Learning data (MongoDB)" in html
    for url in ("courses/", "items/", "enrollments/", "attempts/", "progress/", "activity/"):
        assert f'href="{DATA}{url}"' in html
    assert f'href="{DATA}courses/add/"' in html
    section = admin_browser.get(DATA)
    assert section.status_code == 200
    assert f'href="{DATA}activity/"' in section.content.decode()


def test_course_list_searches_title_and_slug_and_filters_published(admin_browser, staff):
    course_make(created_by=staff.pk, slug="intro-python")
    course_make(created_by=staff.pk, slug="draft-course", published=False)

    everything = result_rows(admin_browser.get(DATA + "courses/"))
    by_slug = result_rows(admin_browser.get(DATA + "courses/", {"q": "DRAFT"}))
    drafts = result_rows(admin_browser.get(DATA + "courses/", {"published": "no"}))
    live = result_rows(admin_browser.get(DATA + "courses/", {"published": "yes"}))

    assert len(everything) == 2
    assert len(by_slug) == 1 and "draft-course" in by_slug[0]
    assert len(drafts) == 1 and "draft-course" in drafts[0]
    assert len(live) == 1 and "intro-python" in live[0]


def test_search_text_with_regex_characters_matches_literally(admin_browser, staff):
    special = course_make(created_by=staff.pk, slug="cpp")
    special.update(set__title="C++ (advanced)")
    course_make(created_by=staff.pk, slug="plain")

    found = result_rows(admin_browser.get(DATA + "courses/", {"q": "c++ ("}))
    nothing = [result_rows(admin_browser.get(DATA + url, {"q": "(*[.\\"}))
               for url in ("courses/", "items/", "enrollments/", "attempts/", "progress/",
                           "activity/")]

    assert len(found) == 1 and found[0].startswith("C++ (advanced)")
    assert nothing == [[]] * 6


def test_item_list_flattens_every_outline_and_filters_by_course_and_kind(admin_browser, staff):
    first = course_make(created_by=staff.pk, slug="first")
    course_make(created_by=staff.pk, slug="second")

    all_items = result_rows(admin_browser.get(DATA + "items/"))
    quizzes_of_first = result_rows(admin_browser.get(DATA + "items/",
                                                     {"course": str(first.id), "kind": "quiz"}))
    homework = result_rows(admin_browser.get(DATA + "items/", {"q": "homework"}))

    assert len(all_items) == 10  # 5 items in each of the two courses
    assert [row.split(" quiz ")[0] for row in quizzes_of_first] == ["Quiz 1", "Quiz 2"]
    assert len(homework) == 2 and all("assignment 20 10" in row for row in homework)


def test_enrollment_list_searches_by_username_and_filters_by_course(admin_browser, course, staff,
                                                                     make_user):
    other = course_make(created_by=staff.pk, slug="other")
    ada, bob = make_user("ada"), make_user("bob")
    enrollment_add(user_id=ada.pk, course=course)
    enrollment_add(user_id=bob.pk, course=course)
    enrollment_add(user_id=bob.pk, course=other)

    by_name = result_rows(admin_browser.get(DATA + "enrollments/", {"q": "ada"}))
    in_other = result_rows(admin_browser.get(DATA + "enrollments/", {"course": str(other.id)}))

    assert len(by_name) == 1 and by_name[0].startswith(f"ada (#{ada.pk})")
    assert len(in_other) == 1 and in_other[0].startswith(f"bob (#{bob.pk})")


def test_attempt_list_filters_graded_attempts_and_finds_one_by_item_id(admin_browser, course,
                                                                       make_user):
    ada = make_user("ada")
    attempt_add(user_id=ada.pk, course=course, title="Watch: variables", completed=True)
    quiz = attempt_add(user_id=ada.pk, course=course, title="Quiz 1", marks=5)

    graded = result_rows(admin_browser.get(DATA + "attempts/", {"graded": "yes"}))
    videos = result_rows(admin_browser.get(DATA + "attempts/", {"kind": "video"}))
    by_item = result_rows(admin_browser.get(DATA + "attempts/", {"q": str(quiz.item_id)}))

    assert len(graded) == 1 and "quiz" in graded[0] and " 5 no" in graded[0]
    assert len(videos) == 1 and "video" in videos[0]
    assert len(by_item) == 1 and str(quiz.item_id) in by_item[0]


def test_progress_list_filters_complete_and_stale_learners(admin_browser, course, make_user):
    ada, bob = make_user("ada"), make_user("bob")
    now = timezone.now()
    CourseProgress(id=f"{ada.pk}:{course.id}", user_id=ada.pk, course_id=course.id,
                   completion_percent=100.0, completed_items=5,
                   total_items=5, completed_at=now, computed_at=now).save()
    CourseProgress(id=f"{bob.pk}:{course.id}", user_id=bob.pk, course_id=course.id,
                   completion_percent=20.0, completed_items=1,
                   total_items=5, computed_at=now, stale=True).save()

    complete = result_rows(admin_browser.get(DATA + "progress/", {"status": "complete"}))
    stale = result_rows(admin_browser.get(DATA + "progress/", {"status": "stale"}))
    bob_rows = result_rows(admin_browser.get(DATA + "progress/", {"q": "Bob"}))  # display name

    assert len(complete) == 1 and complete[0].startswith("ada") and "100% 5/5" in complete[0]
    assert len(stale) == 1 and stale[0].startswith("bob") and "20% 1/5" in stale[0]
    assert len(bob_rows) == 1 and bob_rows[0].startswith("bob")


def test_activity_list_filters_by_verb_and_pages_fifty_at_a_time(admin_browser, course, make_user):
    ada = make_user("ada")
    for n in range(55):
        activity_add(user_id=ada.pk, verb="attempted", course=course, n=n)
    activity_add(user_id=ada.pk, verb="enrolled", course=course)

    first_page = admin_browser.get(DATA + "activity/", {"verb": "attempted"})
    second_page = result_rows(admin_browser.get(DATA + "activity/", {"verb": "attempted", "p": 2}))
    enrolled = result_rows(admin_browser.get(DATA + "activity/", {"verb": "enrolled"}))

    assert len(result_rows(first_page)) == 50
    assert "55 results" in first_page.content.decode()
    assert "1–50 of 55" in first_page.content.decode()
    assert 'href="?verb=attempted&amp;p=2"' in first_page.content.decode()
    assert len(second_page) == 5
    assert len(enrolled) == 1 and "enrolled" in enrolled[0]


def test_an_unknown_filter_value_is_ignored_not_an_error(admin_browser, course):
    response = admin_browser.get(DATA + "items/", {"kind": "podcast", "course": "nope", "p": "x"})

    assert response.status_code == 200
    assert len(result_rows(response)) == 5


def test_learners_and_visitors_are_sent_to_the_admin_login(make_user, course):
    learner = Client()
    learner.force_login(make_user("ada"))
    anonymous = Client()

    for client in (learner, anonymous):
        for url in (DATA, DATA + "courses/", f"{DATA}courses/{course.id}/", DATA + "attempts/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/?next=")
        action = client.post(DATA + "courses/actions/", {"action": "rebuild_leaderboard",
                                                         "_selected_action": str(course.id)})
        assert action.status_code == 302 and action["Location"].startswith("/admin/login/")
    assert "Learning data (MongoDB)" not in learner.get("/admin/login/").content.decode()
