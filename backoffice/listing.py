"""Change-list pages over MongoDB data: search box, filters in the sidebar, pagination."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

PER_PAGE = 50
SEARCH_PARAM = "q"
PAGE_PARAM = "p"


@dataclass(frozen=True)
class Filter:
    """One sidebar filter: a query parameter and its (value, label) choices."""

    param: str
    title: str
    choices: list[tuple[str, str]]


@dataclass
class Cell:
    text: object
    url: str | None = None


@dataclass
class Row:
    cells: list[Cell]
    # The value sent for this row by the action checkboxes (None: the page has no actions).
    select_value: str | None = None


@dataclass
class ListPage:
    """What a list view hands to the shared template."""

    title: str
    columns: list[str]
    search_help: str
    filters: list[Filter] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)
    action_url: str | None = None
    add_url: str | None = None
    add_label: str = "course"


class _Counted:
    """A mongoengine queryset as Django's Paginator wants it: count() without arguments."""

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, window: slice) -> list:
        return list(self.queryset[window])


def search_text(raw: str) -> str:
    """The search box's text as the selectors take it: trimmed, without NUL characters, which
    MongoDB refuses in a regex and PostgreSQL in any string."""
    return raw.replace("\x00", "").strip()


def list_params(request: HttpRequest, filters: list[Filter]) -> tuple[str, dict[str, str]]:
    """The search text and the filter values chosen (unknown values are ignored)."""
    query = search_text(request.GET.get(SEARCH_PARAM, ""))
    chosen = {}
    for spec in filters:
        value = request.GET.get(spec.param)
        if value is not None and value in {choice for choice, _ in spec.choices}:
            chosen[spec.param] = value
    return query, chosen


def paginate(request: HttpRequest, rows):
    """One page of a list or a mongoengine queryset; a bad page number shows the nearest page."""
    source = rows if isinstance(rows, list) else _Counted(rows)
    return Paginator(source, PER_PAGE).get_page(request.GET.get(PAGE_PARAM))


def list_render(request: HttpRequest, page_spec: ListPage, page, rows: list[Row]) -> HttpResponse:
    """Render a list page in the admin's change-list look."""
    query, chosen = list_params(request, page_spec.filters)
    context = {
        **admin.site.each_context(request),
        "title": page_spec.title,
        "spec": page_spec,
        "page": page,
        "rows": rows,
        "query": query,
        "search_param": SEARCH_PARAM,
        "chosen": chosen,
        "filter_blocks": [_filter_block(request, spec, chosen) for spec in page_spec.filters],
        "page_links": _page_links(request, page),
        "has_active_filters": bool(chosen),
        "clear_filters_url": _query_string(request, {p: None for p in chosen}),
    }
    return TemplateResponse(request, "backoffice/list.html", context)


def _filter_block(request: HttpRequest, spec: Filter, chosen: dict[str, str]) -> dict:
    current = chosen.get(spec.param)
    choices = [{"label": "All", "selected": current is None,
                "url": _query_string(request, {spec.param: None})}]
    choices += [{"label": label, "selected": current == value,
                 "url": _query_string(request, {spec.param: value})}
                for value, label in spec.choices]
    return {"title": spec.title, "choices": choices}


def _page_links(request: HttpRequest, page) -> list[dict]:
    if page.paginator.num_pages <= 1:
        return []
    links = []
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == Paginator.ELLIPSIS:
            links.append({"ellipsis": True})
        else:
            links.append({"number": number, "current": number == page.number,
                          "url": _query_string(request, {PAGE_PARAM: str(number)})})
    return links


def _query_string(request: HttpRequest, changes: dict[str, str | None]) -> str:
    """The current query string with some parameters set or removed (always back to page 1)."""
    params = request.GET.copy()
    if PAGE_PARAM not in changes:
        params.pop(PAGE_PARAM, None)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
