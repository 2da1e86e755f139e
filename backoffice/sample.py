"""Example data for a look at the dashboard in embedded mode (`dashboard_screenshot --sample-data`).

It writes documents directly (no tasks, no broker): a seeded, repeatable month of activity for
two courses. Never used against a real MongoDB.
"""
from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from analytics.documents import ActivityLog
from analytics.services import activity_day
from learning.documents import Enrollment, learner_course_key
from learning.services import course_create
from progress.documents import CourseProgress

SAMPLE_COURSES = [
    ("Intro to Python", "sample-intro-python", [("Basics", 3), ("Control flow", 2), ("Functions", 3)]),
    ("Data analysis", "sample-data-analysis", [("Tables", 2), ("Charts", 2), ("Statistics", 2),
                                               ("Project", 1)]),
]


def sample_data_create(*, learners: int = 60, days: int = 30, seed: int = 7) -> int:
    """Create the example courses, enrollments, progress and activity; return events written."""
    rng = random.Random(seed)
    now = timezone.now()
    events = []
    for title, slug, sections in SAMPLE_COURSES:
        course = course_create(data={
            "title": title, "slug": slug, "published": True, "unlock_mode": "open",
            "sections": [{"title": name, "lessons": [{"title": f"{name} lesson", "items": [
                {"title": f"{name} item {n + 1}", "kind": "article"} for n in range(size)]}]}
                for name, size in sections]}, created_by=0)
        item_ids = [[i.id for lesson in s.lessons for i in lesson.items] for s in course.outline.sections]
        for user_id in range(1, learners + 1):
            if rng.random() < 0.25:
                continue
            enrolled_at = now - timedelta(days=rng.uniform(1, days - 1))
            Enrollment(user_id=user_id, course_id=course.id, enrolled_at=enrolled_at).save()
            events.append((user_id, "enrolled", course.id, enrolled_at))
            done, when = [], enrolled_at
            for section_items in item_ids:
                if rng.random() < 0.3:
                    break
                for item_id in section_items:
                    when = min(when + timedelta(hours=rng.uniform(1, 30)), now)
                    done.append(item_id)
                    events.append((user_id, "attempted", course.id, when))
            total = sum(len(s) for s in item_ids)
            completed_at = when if len(done) == total else None
            if completed_at:
                events.append((user_id, "completed_course", course.id, completed_at))
            CourseProgress(id=learner_course_key(user_id, course.id), user_id=user_id,
                           course_id=course.id, completed_item_ids=done,
                           completed_items=len(done), total_items=total,
                           completion_percent=round(100 * len(done) / total, 2),
                           completed_at=completed_at, completion_announced=True,
                           computed_at=now, seq=1).save()
    ActivityLog.objects.insert([
        ActivityLog(event_id=f"sample:{n}", user_id=user_id, verb=verb, course_id=course_id,
                    occurred_at=when, day=activity_day(when))
        for n, (user_id, verb, course_id, when) in enumerate(events)])
    return len(events)
