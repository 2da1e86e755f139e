"""`manage.py rebuild_leaderboards`: progress on stderr, clear errors for bad course ids."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.leaderboard.conftest import days_ago, page_of

pytestmark = pytest.mark.django_db


def test_the_command_rebuilds_a_course_and_shows_progress(course, attempt, settings):
    settings.LEADERBOARD_REBUILD_BATCH = 1
    for user_id in range(1, 26):
        attempt(user_id, "quiz1", user_id % 10, days_ago(2))
    out, err = StringIO(), StringIO()
    call_command("rebuild_leaderboards", "--course", course["id"], stdout=out, stderr=err)
    assert f"[1/1] course {course['id']} [" in err.getvalue()
    assert "10/25" in err.getvalue() and "25/25" in err.getvalue()
    assert "done (all: 25," in err.getvalue()
    assert "rebuilt 1 course(s)" in out.getvalue()
    assert page_of(course_id=course["id"], limit=1, offset=0)["count"] == 25


def test_the_command_rebuilds_every_course_with_all(course, attempt):
    attempt(1, "quiz1", 3, days_ago(1))
    out, err = StringIO(), StringIO()
    call_command("rebuild_leaderboards", "--all", stdout=out, stderr=err)
    assert "rebuilt 1 course(s)" in out.getvalue()


@pytest.mark.parametrize("course_id, message", [
    ("not-an-id", "24-character hex"), ("0123456789abcdef01234567", "not found")])
def test_the_command_fails_with_a_message_for_a_bad_or_unknown_course(course_id, message):
    with pytest.raises(CommandError, match=message):
        call_command("rebuild_leaderboards", "--course", course_id, stdout=StringIO(), stderr=StringIO())


def test_the_command_needs_a_course_or_all():
    with pytest.raises(CommandError):
        call_command("rebuild_leaderboards", stdout=StringIO(), stderr=StringIO())
