"""Reports that join the catalogue, progress and activity: course funnels and time to complete."""
from __future__ import annotations

import statistics
from datetime import UTC, datetime

from django.utils import timezone

from learning.selectors import course_get, course_outline_get, enrollment_dates_get
from progress.selectors import progress_completion_facts


def course_funnel(*, course_id: str) -> dict:
    """Enrolled → started → each section completed → course completed, with % of enrolled."""
    course = course_get(course_id=course_id)
    outline = course_outline_get(course_id=course_id)
    enrolled = len(enrollment_dates_get(course_id=course_id))
    facts = progress_completion_facts(course_id=course_id)
    done_sets = [set(f["completed_item_ids"]) for f in facts]

    def stage(name: str, learners: int, **extra) -> dict:
        percent = round(100 * learners / enrolled, 1) if enrolled else 0.0
        return {"stage": name, "learners": learners, "percent": percent, **extra}

    stages = [stage("enrolled", enrolled),
              stage("started", sum(1 for done in done_sets if done))]
    items_of: dict[str, list] = {section.id: [] for section in outline.sections}
    for place in outline.walk():
        items_of[place.section.id].append(place.item)
    for section in outline.sections:
        items = items_of[section.id]
        # A section counts as completed when its required items are (all items if none is).
        required = {i.id for i in items if not i.optional} or {i.id for i in items}
        learners = sum(1 for done in done_sets if required and required <= done)
        stages.append(stage(f"section: {section.title}", learners, section_id=section.id))
    stages.append(stage("completed", sum(1 for f in facts if f["completed_at"] is not None)))
    return {"course_id": str(course.id), "title": course.title, "stages": stages}


def completion_time_median(*, course_id: str) -> dict:
    """Median time from enrollment to course completion, over learners who completed it."""
    course = course_get(course_id=course_id)
    enrolled_at = enrollment_dates_get(course_id=course_id)
    durations = []
    for fact in progress_completion_facts(course_id=course_id):
        started = enrolled_at.get(fact["user_id"])
        if fact["completed_at"] is None or started is None:
            continue
        durations.append(max((_aware(fact["completed_at"]) - _aware(started)).total_seconds(), 0.0))
    median = statistics.median(durations) if durations else None
    return {"course_id": str(course.id), "title": course.title, "completed": len(durations),
            "median_seconds": None if median is None else round(median, 1),
            "median_days": None if median is None else round(median / 86400, 2)}


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
