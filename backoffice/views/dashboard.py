"""Server-rendered pages of the analytics app."""
from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse

from backoffice.dashboard import dashboard_html_render


@staff_member_required
def dashboard(request):
    """Staff dashboard: daily activity and course funnels (login through the admin)."""
    return HttpResponse(dashboard_html_render(request=request))
