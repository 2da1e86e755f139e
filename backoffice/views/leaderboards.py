"""Read-only admin pages of leaderboards: archived periods and learners staff hid."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from backoffice import selectors
from backoffice.listing import Cell, Filter, ListPage, Row, list_params, list_render, paginate
from backoffice.views.common import admin_url, when
from leaderboard.archive_reads import archives_list
from leaderboard.privacy import staff_hidden_list
from leaderboard.scoring import PERIOD_KINDS


@require_GET
def archive_list(request: HttpRequest) -> HttpResponse:
    filters = [Filter("course", "course", selectors.course_choices()),
               Filter("kind", "period", [(k, k) for k in PERIOD_KINDS])]
    query, chosen = list_params(request, filters)
    archives = [a for a in archives_list(course_id=chosen.get("course"), limit=1000)
                if (not chosen.get("kind") or a["kind"] == chosen["kind"])
                and (not query or query in a["label"])]
    page = paginate(request, archives)
    shown = list(page.object_list)
    titles = selectors.course_titles(course_ids=[a["course_id"] for a in shown])
    rows = [Row([Cell(when(a["archived_at"])),
                 Cell(titles.get(a["course_id"], a["course_id"]),
                      admin_url("lms_course_change", a["course_id"])),
                 Cell(a["group"] or "—"), Cell(a["kind"]), Cell(a["label"]), Cell(when(a["start"])), Cell(when(a["end"])),
                 Cell(a["ranking"]), Cell(str(a["count"]))]) for a in shown]
    spec = ListPage(title="Leaderboard archives", filters=filters,
                    search_help="Search by period (e.g. 2026-W48, 2026-11, a season id).",
                    columns=["archived", "course", "group", "period", "label", "start", "end", "ranking",
                             "learners"])
    return list_render(request, spec, page, rows)


@require_GET
def hidden_learner_list(request: HttpRequest) -> HttpResponse:
    hidden = staff_hidden_list(limit=1000, offset=0)
    page = paginate(request, hidden)
    shown = list(page.object_list)
    names = selectors.usernames(user_ids=[h["user_id"] for h in shown]
                                + [h["hidden_by"] for h in shown if h["hidden_by"]])
    rows = [Row([Cell(when(h["hidden_at"])), Cell(f"{names.get(h['user_id'], '?')} (#{h['user_id']})"),
                 Cell(h["reason"] or "—"),
                 Cell(names.get(h["hidden_by"], "—") if h["hidden_by"] else "—")]) for h in shown]
    spec = ListPage(title="Learners hidden from leaderboards", filters=[],
                    search_help="Staff hide learners with PUT /api/v1/leaderboard/hidden-learners/{id}/.",
                    columns=["hidden", "learner", "reason", "by"])
    return list_render(request, spec, page, rows)
