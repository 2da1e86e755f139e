"""`manage.py check_flower_login`: refuse to start Flower with a missing or weak login."""
from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

MIN_PASSWORD_LENGTH = 12


class Command(BaseCommand):
    help = ("Check FLOWER_BASIC_AUTH (user:password) before Flower starts: set, not the example's "
            f"placeholder, a password of at least {MIN_PASSWORD_LENGTH} characters.")

    def handle(self, *args, **options) -> None:
        user, _, password = (os.environ.get("FLOWER_BASIC_AUTH") or "").partition(":")
        if not user or not password:
            raise CommandError("FLOWER_BASIC_AUTH is not set: set it to user:password (Flower's "
                               "API and pages show every task's arguments).")
        if settings.PLACEHOLDER_MARK in password.lower() or password == user \
                or len(password) < MIN_PASSWORD_LENGTH:
            raise CommandError(f"FLOWER_BASIC_AUTH's password is too weak: at least "
                               f"{MIN_PASSWORD_LENGTH} characters, not the user name, not the "
                               "example's placeholder.")
        self.stdout.write("Flower login accepted")
