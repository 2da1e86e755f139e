"""Admin pages of webhook endpoints: list, add (secret shown once), change with its delivery log."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.listing import Cell, ListPage, Row, list_render, paginate
from backoffice.views.common import admin_url, page_render, when
from config.exceptions import DomainError
from integrations.documents import EVENT_TYPES, WebhookEndpoint
from integrations.selectors import deliveries_page
from integrations.services import (
    delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_get,
    webhook_endpoint_update,
)

LOG_ROWS = 50


class WebhookForm(forms.Form):
    url = forms.CharField(max_length=2000, help_text="http(s) URL on a public address.")
    description = forms.CharField(max_length=500, required=False)
    event_types = forms.MultipleChoiceField(choices=[(t, t) for t in EVENT_TYPES],
                                            widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(required=False, initial=True)


def webhook_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, WebhookEndpoint.objects.order_by("created_at"))
    rows = [Row([Cell(e.url, admin_url("lms_webhook_change", e.id)), Cell(", ".join(e.event_types)),
                 Cell("yes" if e.active else "no"), Cell(_circuit(e)), Cell(when(e.created_at))])
            for e in page.object_list]
    spec = ListPage(title="Webhook endpoints", columns=["url", "events", "active", "circuit", "created"],
                    search_help="", add_url=admin_url("lms_webhook_add"), add_label="webhook endpoint")
    return list_render(request, spec, page, rows)


def _circuit(endpoint: WebhookEndpoint) -> str:
    if endpoint.circuit_open_until:
        return f"open until {when(endpoint.circuit_open_until)}"
    return f"closed ({endpoint.consecutive_failures} failure(s) in a row)"


@require_http_methods(["GET", "POST"])
def webhook_add(request: HttpRequest) -> HttpResponse:
    """A new endpoint, validated like POST /api/v1/webhooks/; its page then shows the secret once."""
    form = WebhookForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(**form.cleaned_data, created_by=request.user.pk)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "The endpoint was added. Copy its signing secret now: it is "
                                      "not shown again.")
            return _render(request, endpoint, WebhookForm(initial=_initial(endpoint)),
                           secret=endpoint.secret)
    return page_render(request, "backoffice/webhook.html", title="Add webhook endpoint",
                       breadcrumbs=[("Webhook endpoints", admin_url("lms_webhook_list")),
                                    ("Add", None)], form=form, endpoint=None)


@require_http_methods(["GET", "POST"])
def webhook_change(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(endpoint_id)
    form = WebhookForm(request.POST or None, initial=_initial(endpoint))
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(endpoint_id=endpoint_id, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "The endpoint was saved.")
            return HttpResponseRedirect(admin_url("lms_webhook_change", endpoint_id))
    return _render(request, endpoint, form)


@require_POST
def webhook_redeliver(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    """Send one delivery of this endpoint again (same webhook-id)."""
    delivery_id = request.POST.get("delivery_id", "")
    if not delivery_id.endswith(f":{endpoint_id}"):
        raise Http404("No such delivery for this endpoint")
    try:
        delivery_redeliver(delivery_id=delivery_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Delivery {delivery_id} was queued again.")
    return HttpResponseRedirect(admin_url("lms_webhook_change", endpoint_id))


def _render(request: HttpRequest, endpoint: WebhookEndpoint, form: WebhookForm,
            secret: str | None = None) -> HttpResponse:
    count, deliveries = deliveries_page(target=str(endpoint.id), limit=LOG_ROWS)
    return page_render(request, "backoffice/webhook.html", title=f"Webhook endpoint {endpoint.url}",
                       breadcrumbs=[("Webhook endpoints", admin_url("lms_webhook_list")),
                                    (endpoint.url, None)],
                       form=form, endpoint=endpoint, secret=secret, deliveries=deliveries,
                       delivery_count=count, circuit=_circuit(endpoint))


def _initial(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "description": endpoint.description,
            "event_types": list(endpoint.event_types), "active": endpoint.active}


def _endpoint_or_404(endpoint_id: str) -> WebhookEndpoint:
    try:
        return webhook_endpoint_get(endpoint_id=endpoint_id)
    except DomainError as exc:
        raise Http404(exc.detail) from exc
