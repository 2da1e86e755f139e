"""WSGI entry point for application servers (gunicorn in compose and the Dockerfile)."""
from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from config.mongo import EMBEDDED_SERVER_FLAG

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

if settings.MONGODB_EMBEDDED and os.environ.get(EMBEDDED_SERVER_FLAG) != "1":
    raise ImproperlyConfigured(
        "MONGODB_URI is not set, so MongoDB would be embedded in this process's memory: under "
        "gunicorn (or any server with several processes) each process would hold its own copy, "
        "and attempts accepted by one would be invisible to the others and lost on restart. Set "
        "MONGODB_URI to a real MongoDB, or run `python manage.py serve` for a one-process trial.")
