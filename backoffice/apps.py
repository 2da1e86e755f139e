"""Back office: the MongoDB learning data inside Django's admin (same login, same look)."""
from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BackofficeConfig(AppConfig):
    name = "backoffice"
    label = "backoffice"
    verbose_name = "Learning data (MongoDB)"


class LmsAdminConfig(admin_apps.AdminConfig):
    """Django's admin app with our site, which adds the MongoDB pages to its URLs and index."""

    # Not the default config of this package: INSTALLED_APPS names it explicitly.
    default = False
    default_site = "backoffice.site.LmsAdminSite"
