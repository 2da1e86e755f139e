"""`manage.py ensure_superuser`: create the first admin from DJANGO_SUPERUSER_* once, refusing a
password Django's validators refuse (createsuperuser --noinput skips them)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.exceptions import InvalidInput
from learning.services import password_check, profile_upsert


class Command(BaseCommand):
    help = ("Create the superuser named by DJANGO_SUPERUSER_USERNAME with DJANGO_SUPERUSER_PASSWORD "
            "(checked by the password validators) unless it exists; an existing user is never "
            "changed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--generate-into", metavar="FILE",
                            help="Without DJANGO_SUPERUSER_PASSWORD: make a random password and "
                                 "write it to FILE (mode 0600) for the operator to read.")

    def handle(self, *args, generate_into: str | None = None, **options) -> None:
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        if User._default_manager.filter(**{User.USERNAME_FIELD: username}).exists():
            self.stdout.write(f"superuser '{username}' exists; left as it is")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or ""
        if not password and generate_into:
            password = secrets.token_urlsafe(18)
            path = Path(generate_into)
            path.write_text(password + "\n")
            path.chmod(0o600)
        if not password:
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is not set: set it to the first admin's "
                               "password (it must pass the password validators).")
        if settings.PLACEHOLDER_MARK in password.lower():
            raise CommandError("DJANGO_SUPERUSER_PASSWORD is still the example's placeholder; set "
                               "a password of your own.")
        try:
            password_check(password=password, username=username)
        except InvalidInput as exc:
            raise CommandError(f"DJANGO_SUPERUSER_PASSWORD is refused: {exc.detail}") from exc
        user = User._default_manager.create_superuser(
            **{User.USERNAME_FIELD: username}, email=os.environ.get("DJANGO_SUPERUSER_EMAIL", ""),
            password=password)
        profile_upsert(user_id=user.pk, display_name=username)
        self.stdout.write(f"superuser '{username}' created")
