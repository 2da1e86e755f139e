"""The staff analytics dashboard: its data and its server-rendered HTML (SVG charts, no CDN)."""
from __future__ import annotations

from datetime import date, timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from analytics.selectors import active_learners_daily, attempts_daily
from backoffice.charts import column_chart, funnel_chart
from flows.reports import completion_time_median, course_funnel
from learning.selectors import course_list

DASHBOARD_COURSES = 6


def dashboard_context_get(*, days: int = 30, today: date | None = None) -> dict:
    """Everything the dashboard shows: daily series for `days` days and the newest courses."""
    end = today or timezone.now().date()
    start = end - timedelta(days=days - 1)
    active = active_learners_daily(start=start, end=end)
    attempts = attempts_daily(start=start, end=end)
    courses = []
    for course in course_list(include_unpublished=True)[:DASHBOARD_COURSES]:
        funnel = course_funnel(course_id=str(course.id))
        courses.append({"funnel": funnel, "chart": funnel_chart(funnel["stages"]),
                        "time": completion_time_median(course_id=str(course.id))})
    return {
        "start": start, "end": end, "generated_at": timezone.now(),
        "active_chart": column_chart([(d["day"], d["learners"]) for d in active]),
        "attempts_chart": column_chart([(d["day"], d["attempts"]) for d in attempts]),
        "active_total": sum(d["learners"] for d in active),
        "attempts_total": sum(d["attempts"] for d in attempts),
        "courses": courses,
    }


def dashboard_html_render(*, days: int = 30, request=None) -> str:
    """The dashboard page as HTML."""
    return render_to_string("backoffice/dashboard.html", dashboard_context_get(days=days),
                            request=request)
