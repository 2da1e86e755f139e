"""Admin pages for content items: a flat list across outlines and a per-item edit form."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_http_methods

from backoffice import selectors
from backoffice.forms import ItemForm
from backoffice.listing import (
    Cell,
    Filter,
    ListPage,
    Row,
    list_params,
    list_render,
    paginate,
)
from backoffice.services import OutlineInvalid, course_save
from backoffice.views.common import (
    admin_url,
    course_data,
    course_or_404,
    errors_flatten,
    number,
    page_render,
    path_describe,
)
from config.exceptions import DomainError
from learning.documents import ITEM_KINDS

_ITEM_FIELDS = ("title", "kind", "max_marks", "pass_marks", "optional")


def _filters() -> list[Filter]:
    return [
        Filter("course", "course", selectors.course_choices()),
        Filter("kind", "kind", [(k, k) for k in ITEM_KINDS]),
        Filter("optional", "optional", [("yes", "Yes"), ("no", "No")]),
    ]


@require_GET
def item_list(request: HttpRequest) -> HttpResponse:
    """Every item of every course outline, with search (title, key, id) and filters."""
    filters = _filters()
    query, chosen = list_params(request, filters)
    page = paginate(request, selectors.item_search(
        query=query, course_id=chosen.get("course"), kind=chosen.get("kind"),
        optional=chosen.get("optional")))
    rows = [
        Row([Cell(item["title"], admin_url("lms_item_change", item["course_id"], item["id"])),
             Cell(item["kind"]), Cell(number(item["max_marks"])), Cell(number(item["pass_marks"])),
             Cell("yes" if item["optional"] else "no"),
             Cell(item["course_title"], admin_url("lms_course_change", item["course_id"])),
             Cell(f"{item['position']} {item['section']} › {item['lesson']}"),
             Cell(item["key"] or "—"), Cell(item["id"])])
        for item in page.object_list
    ]
    spec = ListPage(title="Items", columns=["title", "kind", "max marks", "pass marks", "optional",
                                            "course", "position", "key", "id"],
                    search_help="Search by title, key or item id.", filters=filters)
    return list_render(request, spec, page, rows)


@require_http_methods(["GET", "POST"])
def item_change(request: HttpRequest, course_id: str, item_id: str) -> HttpResponse:
    """Edit one item; the whole course is validated and saved as an API PUT would be."""
    course = course_or_404(course_id)
    detail = course_data(course)
    where = _item_position(detail, item_id)
    if where is None:
        raise Http404(f"Item {item_id} is not part of this course.")
    s, l, i = where  # noqa: E741
    item = detail["sections"][s]["lessons"][l]["items"][i]
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid() and _save(request, form, detail, where):
            messages.success(request, f"Item “{form.cleaned_data['title']}” was saved.")
            return HttpResponseRedirect(admin_url("lms_item_change", course.id, item_id))
    else:
        form = ItemForm(initial={field: item.get(field) for field in _ITEM_FIELDS})
    return page_render(
        request, "backoffice/item_form.html", title=f"Change item “{item['title']}”",
        breadcrumbs=[("Courses", admin_url("lms_course_list")),
                     (course.title, admin_url("lms_course_change", course.id)), (item["title"], None)],
        form=form, course=course, item=item,
        place=f"{detail['sections'][s]['title']} › {detail['sections'][s]['lessons'][l]['title']}")


def _item_position(detail: dict, item_id: str) -> tuple[int, int, int] | None:
    for s, section in enumerate(detail["sections"]):
        for l, lesson in enumerate(section["lessons"]):  # noqa: E741
            for i, item in enumerate(lesson["items"]):
                if item["id"] == item_id.lower():
                    return s, l, i
    return None


def _save(request: HttpRequest, form: ItemForm, detail: dict, where: tuple[int, int, int]) -> bool:
    s, l, i = where  # noqa: E741
    item = dict(detail["sections"][s]["lessons"][l]["items"][i])
    item.update({field: form.cleaned_data[field] for field in ("title", "kind", "optional",
                                                               "pass_marks")})
    if form.cleaned_data["max_marks"] is None:
        item.pop("max_marks", None)
    else:
        item["max_marks"] = form.cleaned_data["max_marks"]
    detail["sections"][s]["lessons"][l]["items"][i] = item
    data = {field: detail[field] for field in ("title", "slug", "description", "unlock_mode",
                                               "published", "sections")}
    try:
        course_save(course_id=detail["id"], data=data, user_id=request.user.pk)
        return True
    except OutlineInvalid as exc:
        own = ("sections", s, "lessons", l, "items", i)
        for path, message in errors_flatten(exc.errors):
            if path[:6] == own and len(path) == 7 and path[6] in _ITEM_FIELDS:
                form.add_error(path[6], message)
            elif path[:6] == own:
                form.add_error(None, message)
            else:
                form.add_error(None, f"{path_describe(path)}: {message}")
    except DomainError as exc:
        form.add_error(None, exc.detail)
    return False
