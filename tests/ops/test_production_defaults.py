"""Production-safe by default: secrets required, HTTPS settings on, embedded mode kept to one process."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from config.logging import SecretHidingReporterFilter

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-a-long-random-secret-key-for-tests-only-" + "z" * 10
SETUP = "import django; django.setup(); from django.conf import settings; print('started')"


def start(env: dict, code: str = SETUP) -> subprocess.CompletedProcess:
    """A fresh Python process loading the settings as a server would (`config.settings.base`)."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DJANGO_SETTINGS_MODULE", "LMS_EMBEDDED_SERVER", "SECRET_KEY", "DEBUG")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
                          timeout=60)


@pytest.mark.parametrize("key", ["", "short-key", "change-me-to-a-long-random-string" + "x" * 30])
def test_with_debug_off_a_missing_short_or_example_secret_key_stops_the_start(key):
    result = start({"DEBUG": "0", "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random value" in result.stderr


def test_with_debug_off_https_redirects_secure_cookies_and_hsts_are_on_and_each_can_be_switched():
    code = SETUP + ("; print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
                    "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, "
                    "settings.SECURE_PROXY_SSL_HEADER)")
    on = start({"DEBUG": "0", "SECRET_KEY": STRONG_KEY}, code)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split("\n")[1] == "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    lab = start({"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "SECURE_SSL_REDIRECT": "0",
                 "SECURE_HSTS_SECONDS": "0"}, code)
    assert lab.stdout.split("\n")[1].startswith("False True True 0")


def test_embedded_mode_refuses_a_multi_process_server_and_names_mongodb_uri():
    result = start({"DEBUG": "0", "SECRET_KEY": STRONG_KEY, "MONGODB_URI": ""},
                   "import config.wsgi")
    assert result.returncode != 0
    assert "Set MONGODB_URI" in result.stderr and "gunicorn" in result.stderr


def test_error_reports_hide_connection_urls_and_secrets(settings):
    settings.MONGODB_URI = "mongodb://app:hunter2@db.internal/lms"
    settings.REDIS_URL = "redis://:hunter2@cache.internal:6379/0"
    shown = SecretHidingReporterFilter().get_safe_settings()
    for name in ("MONGODB_URI", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DATABASES"):
        assert "hunter2" not in str(shown[name]) and set(str(shown[name])) <= set("*"), name


def test_compose_starts_nothing_without_the_three_secrets_and_publishes_on_loopback_only():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app_env = compose["x-app"]["environment"]
    for name in ("SECRET_KEY", "DJANGO_SUPERUSER_PASSWORD", "FLOWER_BASIC_AUTH"):
        assert app_env[name].startswith(f"${{{name}:?"), name  # compose refuses, naming it
    for service in ("api", "worker", "beat", "flower"):
        assert compose["services"][service]["environment"] == app_env
    assert all(port.startswith("127.0.0.1:") for svc in compose["services"].values()
               for port in svc.get("ports", []))
    assert "DEBUG=0" in (ROOT / "Dockerfile").read_text()
    assert "ensure_superuser" in str(compose["services"]["api"]["command"])
    assert "check_flower_login" in str(compose["services"]["flower"]["command"])


@pytest.mark.parametrize(("login", "message"), [
    ("", "not set"), ("admin:change-me-now-please", "too weak"), ("admin:short", "too weak")])
def test_flower_does_not_start_with_a_missing_or_weak_login(monkeypatch, login, message):
    monkeypatch.setenv("FLOWER_BASIC_AUTH", login)
    with pytest.raises(CommandError, match=message):
        call_command("check_flower_login")


def test_a_strong_flower_login_is_accepted(monkeypatch, capsys):
    monkeypatch.setenv("FLOWER_BASIC_AUTH", "admin:a-long-flower-passphrase")
    call_command("check_flower_login")
    assert "accepted" in capsys.readouterr().out
