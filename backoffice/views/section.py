"""The section page listing the MongoDB pages (like an application's page in the admin)."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from backoffice.site import SECTION_LABEL, SECTION_NAME


@require_GET
def section_index(request: HttpRequest) -> TemplateResponse:
    """Links to every MongoDB page, in the look of Django's app index."""
    site = admin.site
    return TemplateResponse(request, "admin/app_index.html", {
        **site.each_context(request), "title": SECTION_NAME, "subtitle": None,
        "app_list": [site.data_section(request)], "app_label": SECTION_LABEL,
    })
