"""Read-only admin pages: enrollments, attempts, progress and the activity log."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from analytics.documents import ACTIVITY_VERBS
from backoffice import selectors
from backoffice.listing import (
    Cell,
    Filter,
    ListPage,
    Row,
    list_params,
    list_render,
    paginate,
)
from backoffice.views.common import admin_url, number, page_render, pretty_json, when
from backoffice.views.corrections import learner_correction_fields
from learning.documents import ITEM_KINDS
from learning.selectors import course_outline_get
from progress.selectors import progress_payload

_USER_SEARCH = "Search by user id, username or display name."


def _course_filter() -> Filter:
    return Filter("course", "course", selectors.course_choices())


def _lookups(rows, *, user_key: str = "user_id", course_key: str = "course_id"):
    get = (lambda row, key: row.get(key)) if rows and isinstance(rows[0], dict) else getattr
    names = selectors.usernames(user_ids=[get(row, user_key) for row in rows])
    titles = selectors.course_titles(course_ids=[str(get(row, course_key)) for row in rows])
    return names, titles


def _user_cell(names: dict, user_id: int | None) -> Cell:
    if user_id is None:
        return Cell("—")
    return Cell(f"{names.get(user_id, '?')} (#{user_id})")


def _course_cell(titles: dict, course_id) -> Cell:
    if course_id is None:
        return Cell("—")
    course_id = str(course_id)
    return Cell(titles.get(course_id, course_id), admin_url("lms_course_change", course_id))


@require_GET
def enrollment_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter()]
    query, chosen = list_params(request, filters)
    page = paginate(request, selectors.enrollment_search(query=query, course_id=chosen.get("course")))
    names, titles = _lookups(list(page.object_list))
    rows = [Row([_user_cell(names, e.user_id), _course_cell(titles, e.course_id),
                 Cell(when(e.enrolled_at)),
                 Cell(when(e.left_at) if e.left_at else "—")]) for e in page.object_list]
    spec = ListPage(title="Enrollments", columns=["learner", "course", "enrolled", "left"],
                    search_help=_USER_SEARCH, filters=filters)
    return list_render(request, spec, page, rows)


@require_GET
def attempt_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(), Filter("kind", "kind", [(k, k) for k in ITEM_KINDS]),
               Filter("graded", "graded", [("yes", "With marks"), ("no", "Without marks")])]
    query, chosen = list_params(request, filters)
    page = paginate(request, selectors.attempt_search(
        query=query, course_id=chosen.get("course"), kind=chosen.get("kind"),
        graded=chosen.get("graded")))
    names, titles = _lookups(list(page.object_list))
    rows = [Row([Cell(when(a.submitted_at), admin_url("lms_attempt_detail", a.id)),
                 _user_cell(names, a.user_id), _course_cell(titles, a.course_id), Cell(a.kind),
                 Cell(str(a.item_id)), Cell(number(a.marks)), Cell("yes" if a.completed else "no")])
            for a in page.object_list]
    spec = ListPage(title="Attempts", columns=["submitted", "learner", "course", "kind", "item id",
                                               "marks", "completed"],
                    search_help="Search by user id, username, display name, item id or attempt id.",
                    filters=filters)
    return list_render(request, spec, page, rows)


@require_GET
def attempt_detail(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.attempt_get(attempt_id=attempt_id)
    if attempt is None:
        raise Http404("No such attempt.")
    names, titles = _lookups([attempt])
    fields = [
        ("id", str(attempt.id)), ("learner", _user_cell(names, attempt.user_id).text),
        ("course", _course_cell(titles, attempt.course_id)), ("item id", str(attempt.item_id)),
        ("kind", attempt.kind), ("marks", number(attempt.marks)),
        ("completed", "yes" if attempt.completed else "no"),
        ("answers", pretty_json(list(attempt.answers))),
        ("graded by", _user_cell(selectors.usernames(user_ids=[attempt.graded_by]),
                                 attempt.graded_by).text),
        ("submitted", when(attempt.submitted_at)),
        *learner_correction_fields(user_id=attempt.user_id, course_id=attempt.course_id,
                                   item_id=str(attempt.item_id)),
    ]
    return _detail(request, "Attempt", "lms_attempt_list", "Attempts", fields)


@require_GET
def progress_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(), Filter("status", "status", [
        ("complete", "Complete"), ("in_progress", "In progress"), ("stale", "Stale")])]
    query, chosen = list_params(request, filters)
    page = paginate(request, selectors.progress_search(
        query=query, course_id=chosen.get("course"), status=chosen.get("status")))
    docs = list(page.object_list)
    names, titles = _lookups(docs)
    rows = [Row([Cell(_user_cell(names, d["user_id"]).text,
                      admin_url("lms_progress_detail", d["_id"])),
                 _course_cell(titles, d["course_id"]),
                 Cell(f"{d.get('completion_percent', 0):g}%"),
                 Cell(f"{d.get('completed_items', 0)}/{d.get('total_items', 0)}"),
                 Cell(f"{number(d.get('marks_obtained', 0))}/{number(d.get('marks_total', 0))}"),
                 Cell(when(d.get("completed_at"))), Cell("yes" if d.get("stale") else "no"),
                 Cell(when(d.get("computed_at")))]) for d in docs]
    spec = ListPage(title="Progress", columns=["learner", "course", "completion", "items", "marks",
                                               "completed", "stale", "computed"],
                    search_help=_USER_SEARCH, filters=filters)
    return list_render(request, spec, page, rows)


@require_GET
def progress_detail(request: HttpRequest, progress_id: str) -> HttpResponse:
    doc = selectors.progress_document_get(progress_id=progress_id)
    if doc is None:
        raise Http404("No such progress document.")
    names, titles = _lookups([doc])
    payload = progress_payload(doc, outline=course_outline_get(course_id=doc["course_id"]))
    fields = [
        ("learner", _user_cell(names, doc["user_id"]).text),
        ("course", _course_cell(titles, doc["course_id"])),
        ("completion", f"{doc.get('completion_percent', 0):g}%"),
        ("items", f"{doc.get('completed_items', 0)}/{doc.get('total_items', 0)}"),
        ("marks", f"{number(doc.get('marks_obtained', 0))}/{number(doc.get('marks_total', 0))}"),
        ("next item id", doc.get("next_item_id") or "—"),
        ("completed", when(doc.get("completed_at"))), ("computed", when(doc.get("computed_at"))),
        ("outline version", doc.get("outline_version")), ("stale", "yes" if doc.get("stale") else "no"),
        ("unlocked", pretty_json(payload["unlocked"])),
        ("locked", pretty_json(payload["locked"])),
        ("completed item ids", pretty_json(doc.get("completed_item_ids") or [])),
        *learner_correction_fields(user_id=doc["user_id"], course_id=doc["course_id"]),
    ]
    return _detail(request, "Progress", "lms_progress_list", "Progress", fields)


@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(), Filter("verb", "verb", [(v, v) for v in ACTIVITY_VERBS])]
    query, chosen = list_params(request, filters)
    page = paginate(request, selectors.activity_search(
        query=query, course_id=chosen.get("course"), verb=chosen.get("verb")))
    names, titles = _lookups(list(page.object_list))
    rows = [Row([Cell(when(e.occurred_at), admin_url("lms_activity_detail", e.event_id)),
                 _user_cell(names, e.user_id), Cell(e.verb), _course_cell(titles, e.course_id),
                 Cell(str(e.item_id) if e.item_id else "—")]) for e in page.object_list]
    spec = ListPage(title="Activity log", columns=["occurred", "learner", "verb", "course", "item id"],
                    search_help=_USER_SEARCH, filters=filters)
    return list_render(request, spec, page, rows)


@require_GET
def activity_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    event = selectors.activity_get(event_id=event_id)
    if event is None:
        raise Http404("No such event.")
    names, titles = _lookups([event])
    fields = [
        ("event id", event.event_id), ("learner", _user_cell(names, event.user_id).text),
        ("verb", event.verb), ("course", _course_cell(titles, event.course_id)),
        ("item id", str(event.item_id) if event.item_id else "—"),
        ("data", pretty_json(dict(event.data))),
        ("occurred", when(event.occurred_at)), ("logged", when(event.logged_at)),
    ]
    return _detail(request, "Activity event", "lms_activity_list", "Activity log", fields)


def _detail(request: HttpRequest, title: str, list_name: str, list_title: str,
            fields: list[tuple]) -> HttpResponse:
    rows = [(label, value if isinstance(value, Cell) else Cell(value)) for label, value in fields]
    return page_render(request, "backoffice/detail.html", title=title,
                       breadcrumbs=[(list_title, admin_url(list_name)), (title, None)], fields=rows)
