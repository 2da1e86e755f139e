"""Helpers shared by the admin's MongoDB views."""
from __future__ import annotations

import json
from collections.abc import Iterator

from django.contrib import admin
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from api.learning.serializers import CourseDetailSerializer
from config.exceptions import DomainError
from learning.documents import Course
from learning.selectors import course_get

DATA_INDEX = "admin:lms_data_index"


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def course_or_404(course_id: str) -> Course:
    """The course, or the admin's 404 page for an unknown or malformed id."""
    try:
        return course_get(course_id=course_id)
    except DomainError as exc:
        raise Http404(exc.detail) from exc


def page_render(request: HttpRequest, template: str, *, title: str, breadcrumbs: list[tuple],
                **context) -> TemplateResponse:
    """Render one of our pages with the admin's context (sidebar, user tools, site header)."""
    return TemplateResponse(request, template, {
        **admin.site.each_context(request), "title": title,
        "breadcrumbs": [("Learning data (MongoDB)", reverse(DATA_INDEX)), *breadcrumbs],
        **context,
    })


def errors_flatten(errors, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """DRF's nested error structure as (path, message) pairs."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from errors_flatten(value, (*path, key))
    elif isinstance(errors, list):
        if all(isinstance(error, str) for error in errors):
            for error in errors:
                yield path, str(error)
        else:
            for index, value in enumerate(errors):
                if value:
                    yield from errors_flatten(value, (*path, index))
    else:
        yield path, str(errors)


def path_describe(path: tuple) -> str:
    """("sections", 0, "lessons", 1, "max_marks") → "section 1 › lesson 2 › max_marks"."""
    words = []
    pending = None
    for part in path:
        if isinstance(part, int) and pending:
            words.append(f"{pending.rstrip('s')} {part + 1}")
            pending = None
        else:
            if pending:
                words.append(pending)
            pending = part
    if pending and pending != "non_field_errors":
        words.append(pending)
    return " › ".join(words)


def when(value) -> str:
    """A datetime as the admin shows it (UTC, to the second)."""
    if value is None:
        return "—"
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def number(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def course_data(course: Course) -> dict:
    """The course as the API shows it to staff (answers included): what the edit forms start from."""
    return CourseDetailSerializer(course, context={"show_answers": True}).data
