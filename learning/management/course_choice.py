"""The `--course ID | --all` choice shared by the commands that work course by course."""
from __future__ import annotations

from django.core.management.base import CommandError

from config.exceptions import DomainError
from learning.selectors import course_get, course_ids_all


def course_choice_add(parser, *, what: str) -> None:
    """Add the required, mutually exclusive --course ID and --all options."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--course", help=f"id of the course whose {what}")
    which.add_argument("--all", action="store_true", help="every course")


def course_choice_ids(*, course: str | None) -> list[str]:
    """The chosen course's id (checked to exist), or every course's id when none was given."""
    if course is None:
        return course_ids_all()
    try:
        return [str(course_get(course_id=course).id)]  # canonical: lower-case hex
    except DomainError as exc:
        raise CommandError(exc.detail) from exc
