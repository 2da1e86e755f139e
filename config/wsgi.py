"""WSGI entry point for application servers (gunicorn in compose and the Dockerfile)."""
from __future__ import annotations

import json
import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from config.mongo import EMBEDDED_SERVER_FLAG

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def _refuse_nul_in_content_type(app):
    """Answer 400 to a Content-Type holding a NUL: Django looks its charset up while building the
    request, before any middleware, and that lookup raises ValueError (a bare 500)."""

    def guarded(environ, start_response):
        if "\x00" in environ.get("CONTENT_TYPE", ""):
            body = json.dumps({"detail": "The Content-Type header holds a NUL character.",
                               "code": "bad_request"}).encode()
            start_response("400 Bad Request", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        return app(environ, start_response)

    return guarded


application = _refuse_nul_in_content_type(get_wsgi_application())

if settings.MONGODB_EMBEDDED and os.environ.get(EMBEDDED_SERVER_FLAG) != "1":
    raise ImproperlyConfigured(
        "MONGODB_URI is not set, so MongoDB would be embedded in this process's memory: under "
        "gunicorn (or any server with several processes) each process would hold its own copy, "
        "and attempts accepted by one would be invisible to the others and lost on restart. Set "
        "MONGODB_URI to a real MongoDB, or run `python manage.py serve` for a one-process trial.")
