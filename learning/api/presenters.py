"""Course documents as API responses."""
from __future__ import annotations

from datetime import UTC, datetime

from learning.documents import Course, Item


def course_summary(course: Course) -> dict:
    """A course without its outline, for lists."""
    return {
        "id": str(course.id), "title": course.title, "slug": course.slug,
        "description": course.description, "unlock_mode": course.unlock_mode,
        "published": course.published,
    }


def course_detail(course: Course, *, show_answers: bool) -> dict:
    """A course with its whole outline; quiz answers only for staff."""
    return {
        **course_summary(course),
        "outline_version": course.outline_version,
        "sections": [
            {
                "id": str(section.id), "key": section.key, "title": section.title,
                "rules": section.rules or {},
                "lessons": [
                    {
                        "id": str(lesson.id), "key": lesson.key, "title": lesson.title,
                        "rules": lesson.rules or {},
                        "items": [_item(item, show_answers) for item in lesson.items],
                    }
                    for lesson in section.lessons
                ],
            }
            for section in course.sections
        ],
    }


def _item(item: Item, show_answers: bool) -> dict:
    body = {
        "id": str(item.id), "key": item.key, "title": item.title, "kind": item.kind,
        "max_marks": _number(item.max_marks), "pass_marks": _number(item.pass_marks),
        "optional": item.optional, "rules": item.rules or {},
    }
    if item.kind == "quiz":
        body["questions"] = [
            {"prompt": q.prompt, "choices": list(q.choices), "marks": _number(q.marks),
             **({"answer": q.answer} if show_answers else {})}
            for q in item.questions
        ]
    return body


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def iso_datetime(value: datetime) -> str:
    """RFC 3339 in UTC with a `Z` (MongoDB hands back naive UTC datetimes)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
