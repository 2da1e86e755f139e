"""Read-only admin pages of staff corrections: override changes, resets, erasures, the archive."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backoffice import correction_selectors, selectors
from backoffice.listing import Cell, Filter, ListPage, Row, list_params, list_render, paginate
from backoffice.views.common import admin_url, number, when
from learning.correction_documents import (
    ARCHIVED_BY_ERASURE,
    ARCHIVED_BY_RESET,
    OVERRIDE_ACTIONS,
)

_LEARNER_SEARCH = "Search by user id, username or display name (or an item id)."


def _course_filter() -> Filter:
    return Filter("course", "course", selectors.course_choices())


def _names_and_titles(rows, *user_fields: str):
    user_ids = [getattr(row, field) for row in rows for field in user_fields]
    names = selectors.usernames(user_ids=user_ids)
    titles = selectors.course_titles(course_ids=[str(row.course_id) for row in rows])
    return names, titles


def _user(names: dict, user_id: int | None) -> str:
    if user_id is None:
        return "—"
    if user_id < 0:
        return f"anonymous (#{user_id})"  # an erased learner's records
    return f"{names.get(user_id, '?')} (#{user_id})"


def _course(titles: dict, course_id) -> Cell:
    course_id = str(course_id)
    return Cell(titles.get(course_id, course_id), admin_url("lms_course_change", course_id))


def _by(names: dict, user_id: int | None) -> str:
    return _user(names, user_id) if user_id is not None else "—"


@require_GET
def override_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(), Filter("action", "action", [(a, a) for a in OVERRIDE_ACTIONS])]
    query, chosen = list_params(request, filters)
    page = paginate(request, correction_selectors.override_change_search(
        query=query, course_id=chosen.get("course"), action=chosen.get("action")))
    changes = list(page.object_list)
    names, titles = _names_and_titles(changes, "user_id", "changed_by")
    rows = [Row([Cell(when(c.changed_at)), Cell(_user(names, c.user_id)),
                 _course(titles, c.course_id), Cell(str(c.item_id)), Cell(c.action),
                 Cell(number(c.marks)), Cell(number(c.previous_marks)), Cell(c.reason),
                 Cell(_by(names, c.changed_by)), Cell(_cause(c.cause)),
                 Cell("pending" if c.followup_pending else "applied")]) for c in changes]
    spec = ListPage(title="Mark overrides", filters=filters, search_help=_LEARNER_SEARCH,
                    columns=["changed", "learner", "course", "item id", "action", "marks",
                             "previous", "reason", "by", "cause", "status"])
    return list_render(request, spec, page, rows)


def _cause(cause: str | None) -> str:
    return cause or "staff change"


@require_GET
def reset_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(),
               Filter("status", "status", [("pending", "Pending"), ("done", "Done")])]
    query, chosen = list_params(request, filters)
    page = paginate(request, correction_selectors.reset_search(
        query=query, course_id=chosen.get("course"), status=chosen.get("status")))
    resets = list(page.object_list)
    names, titles = _names_and_titles(resets, "user_id", "reset_by")
    rows = [Row([Cell(when(r.reset_at)), Cell(_user(names, r.user_id)), _course(titles, r.course_id),
                 Cell(r.reason), Cell(_by(names, r.reset_by)),
                 Cell(number(r.archived_attempts),
                      admin_url("lms_archived_attempt_list") + f"?q={r.id}"),
                 Cell(number(r.overrides_removed)),
                 Cell("pending" if r.followup_pending else f"done {when(r.finished_at)}")])
            for r in resets]
    spec = ListPage(title="Course resets", filters=filters,
                    search_help="Search by user id, username or display name.",
                    columns=["reset", "learner", "course", "reason", "by", "attempts archived",
                             "overrides removed", "status"])
    return list_render(request, spec, page, rows)


@require_GET
def erasure_list(request: HttpRequest) -> HttpResponse:
    filters = [Filter("status", "status", [("open", "Open"), ("closed", "Closed")])]
    query, chosen = list_params(request, filters)
    page = paginate(request, correction_selectors.erasure_search(query=query,
                                                                 status=chosen.get("status")))
    erasures = list(page.object_list)
    names = selectors.usernames(user_ids=[e.requested_by for e in erasures])
    rows = [Row([Cell(when(e.requested_at)), Cell(f"#{e.id}"), Cell(_by(names, e.requested_by)),
                 Cell(when(e.finished_at)), Cell(number(e.courses)),
                 Cell(number(e.attempts_archived)),
                 Cell("open (rechecking)" if e.open else f"closed {when(e.closed_at)}")])
            for e in erasures]
    spec = ListPage(title="User erasures", filters=filters,
                    search_help="Search by the erased user's id (no names are kept).",
                    columns=["requested", "user", "by", "finished", "courses",
                             "attempts archived", "status"])
    return list_render(request, spec, page, rows)


@require_GET
def archived_attempt_list(request: HttpRequest) -> HttpResponse:
    filters = [_course_filter(), Filter("archived_by", "archived by", [
        (ARCHIVED_BY_RESET, "Reset"), (ARCHIVED_BY_ERASURE, "Erasure")])]
    query, chosen = list_params(request, filters)
    page = paginate(request, correction_selectors.archived_attempt_search(
        query=query, course_id=chosen.get("course"), archived_by=chosen.get("archived_by")))
    attempts = list(page.object_list)
    names, titles = _names_and_titles(attempts, "user_id")
    rows = [Row([Cell(when(a.archived_at)), Cell(when(a.submitted_at)), Cell(_user(names, a.user_id)),
                 _course(titles, a.course_id), Cell(a.kind), Cell(str(a.item_id)),
                 Cell(number(a.marks)), Cell("yes" if a.completed else "no"),
                 Cell(a.archived_by), Cell(str(a.reset_id) if a.reset_id else "—")])
            for a in attempts]
    spec = ListPage(title="Archived attempts", filters=filters,
                    search_help="Search by learner, or by a reset, item or attempt id.",
                    columns=["archived", "submitted", "learner", "course", "kind", "item id",
                             "marks", "completed", "archived by", "reset id"])
    return list_render(request, spec, page, rows)


def learner_correction_fields(*, user_id: int, course_id, item_id: str | None = None) -> list[tuple]:
    """Rows for a learner's detail pages: their override changes (of one item, on an attempt's
    page) and resets in the course, newest first."""
    changes, resets = correction_selectors.learner_corrections(user_id=user_id, course_id=course_id)
    if item_id is not None:
        changes = [c for c in changes if str(c.item_id) == item_id]
    names = selectors.usernames(user_ids=[c.changed_by for c in changes]
                                + [r.reset_by for r in resets])
    overrides_url = admin_url("lms_override_list") + f"?q={user_id}"
    override_lines = "\n".join(
        f"{when(c.changed_at)}  {c.action} {number(c.marks)} (was {number(c.previous_marks)}) "
        f"by {_by(names, c.changed_by)}: {c.reason}" for c in changes) or "none"
    reset_lines = "\n".join(
        f"{when(r.reset_at)}  by {_by(names, r.reset_by)}: {r.reason} "
        f"({number(r.archived_attempts)} attempts archived)" for r in resets) or "none"
    return [("mark overrides", Cell(override_lines + ("\n" if changes else ""))),
            ("all override changes", Cell("open the list", overrides_url)),
            ("resets", Cell(reset_lines + ("\n" if resets else "")))]
