"""Admin pages for courses: list with actions, add, edit (outline as JSON)."""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.parsers import json_text_load
from backoffice import selectors
from backoffice.forms import CourseForm
from backoffice.listing import (
    Cell,
    Filter,
    ListPage,
    Row,
    list_params,
    list_render,
    paginate,
)
from backoffice.services import (
    COURSE_ACTIONS,
    OutlineInvalid,
    course_action_run,
    course_save,
)
from backoffice.views.common import (
    admin_url,
    course_data,
    course_or_404,
    errors_flatten,
    page_render,
    path_describe,
    when,
)
from config.exceptions import DomainError
from learning.documents import UNLOCK_MODES, Course

_FILTERS = [
    Filter("published", "published", [("yes", "Yes"), ("no", "No")]),
    Filter("unlock_mode", "unlock mode", [(m, m) for m in UNLOCK_MODES]),
]
_FORM_FIELDS = ("title", "slug", "description", "unlock_mode", "published")
_OUTLINE_ERROR_CODES = ("invalid_rule", "rule_cycle", "unknown_id", "unexpected_id")


@require_GET
def course_list(request: HttpRequest) -> HttpResponse:
    """Courses with search (title, slug, id), filters and the task actions."""
    query, chosen = list_params(request, _FILTERS)
    page = paginate(request, selectors.course_search(
        query=query, published=chosen.get("published"), unlock_mode=chosen.get("unlock_mode")))
    rows = [
        Row([Cell(course.title, admin_url("lms_course_change", course.id)), Cell(course.slug),
             Cell("yes" if course.published else "no"), Cell(course.unlock_mode),
             Cell(course.outline_version), Cell(when(course.updated_at)),
             Cell("progress", admin_url("lms_progress_list") + f"?course={course.id}")],
            select_value=str(course.id))
        for course in page.object_list
    ]
    spec = ListPage(
        title="Courses", columns=["title", "slug", "published", "unlock mode", "outline version",
                                  "updated", "learners"],
        search_help="Search by title, slug or course id.", filters=_FILTERS,
        actions=[(name, label) for name, (label, _) in COURSE_ACTIONS.items()],
        action_url=admin_url("lms_course_actions"), add_url=admin_url("lms_course_add"))
    return list_render(request, spec, page, rows)


@require_http_methods(["GET", "POST"])
def course_add(request: HttpRequest) -> HttpResponse:
    """A new course, validated like POST /api/v1/courses/."""
    if request.method == "POST":
        form = CourseForm(request.POST)
        course = _form_save(request, form, course_id=None)
        if course is not None:
            messages.success(request, f"Course “{course.title}” was added.")
            return HttpResponseRedirect(admin_url("lms_course_change", course.id))
    else:
        form = CourseForm(initial={"unlock_mode": "sequential", "outline": "[]"})
    return page_render(request, "backoffice/course_form.html", title="Add course",
                       breadcrumbs=[("Courses", admin_url("lms_course_list")), ("Add", None)],
                       form=form, course=None)


@require_http_methods(["GET", "POST"])
def course_change(request: HttpRequest, course_id: str) -> HttpResponse:
    """Edit a course and its outline, validated like PUT /api/v1/courses/{id}/."""
    course = course_or_404(course_id)
    if request.method == "POST":
        form = CourseForm(request.POST)
        saved = _form_save(request, form, course_id=course_id)
        if saved is not None:
            messages.success(request, f"Course “{saved.title}” was saved "
                                      f"(outline version {saved.outline_version}).")
            return HttpResponseRedirect(admin_url("lms_course_change", saved.id))
    else:
        form = CourseForm(initial=_initial(course))
    return page_render(
        request, "backoffice/course_form.html", title=f"Change course “{course.title}”",
        breadcrumbs=[("Courses", admin_url("lms_course_list")), (course.title, None)],
        form=form, course=course, actions=[(n, label) for n, (label, _) in COURSE_ACTIONS.items()],
        action_url=admin_url("lms_course_actions"),
        links=[("Items", admin_url("lms_item_list") + f"?course={course.id}"),
               ("Enrollments", admin_url("lms_enrollment_list") + f"?course={course.id}"),
               ("Attempts", admin_url("lms_attempt_list") + f"?course={course.id}"),
               ("Progress", admin_url("lms_progress_list") + f"?course={course.id}")])


@require_POST
def course_actions(request: HttpRequest) -> HttpResponse:
    """Run an action on the selected courses: queue its task and show the ids with Flower links."""
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = admin_url("lms_course_list")
    try:
        outcomes = course_action_run(action=request.POST.get("action", ""),
                                     course_ids=request.POST.getlist("_selected_action"),
                                     user_id=request.user.pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return HttpResponseRedirect(back)
    flower = settings.FLOWER_URL
    for outcome in outcomes:
        if outcome.task_id:
            messages.success(request, format_html(
                '{} queued for “{}”: task <a href="{}/task/{}" class="task-link">{}</a>',
                outcome.label, outcome.course_title, flower, outcome.task_id, outcome.task_id))
        else:
            messages.warning(request, format_html(
                "{} for “{}”: the task queue is unreachable; the task was recorded and will be "
                "queued as soon as the broker is back.", outcome.label, outcome.course_title))
    return HttpResponseRedirect(back)


def _initial(course: Course) -> dict:
    detail = course_data(course)
    return {**{field: detail[field] for field in _FORM_FIELDS},
            "outline": json.dumps(detail["sections"], indent=2, ensure_ascii=False)}


def _form_save(request: HttpRequest, form: CourseForm, *, course_id: str | None) -> Course | None:
    """Save through the API's serializer and service; put every refusal on the form."""
    if not form.is_valid():
        return None
    try:
        # The API's own reading of JSON: also refuses NaN, lone surrogates and deep nesting.
        sections = json_text_load(form.cleaned_data["outline"] or "[]")
    except ValueError as exc:
        form.add_error("outline", f"Not valid JSON: {exc}")
        return None
    data = {field: form.cleaned_data[field] for field in _FORM_FIELDS}
    data["sections"] = sections
    try:
        return course_save(course_id=course_id, data=data, user_id=request.user.pk)
    except OutlineInvalid as exc:
        for path, message in errors_flatten(exc.errors):
            if len(path) == 1 and path[0] in _FORM_FIELDS:
                form.add_error(path[0], message)
            elif path and path[0] == "sections":
                where = path_describe(path) if len(path) > 1 else ""
                form.add_error("outline", f"{where}: {message}" if where else message)
            else:
                form.add_error(None, f"{path_describe(path)}: {message}" if path else message)
    except DomainError as exc:
        field = ("slug" if exc.code == "slug_taken"
                 else "outline" if exc.code in _OUTLINE_ERROR_CODES else None)
        form.add_error(field, exc.detail)
    return None
