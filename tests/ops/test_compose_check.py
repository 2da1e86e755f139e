"""`make test` validates compose.yaml offline, and a broken compose file is refused."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = (ROOT / "compose.yaml").read_text()


def check(text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run scripts/check_compose.py on `text` laid out next to the files it refers to."""
    shutil.copy(ROOT / ".env.example", tmp_path / ".env.example")
    (tmp_path / "compose.yaml").write_text(text)
    return subprocess.run([sys.executable, str(ROOT / "scripts/check_compose.py"),
                           str(tmp_path / "compose.yaml")], capture_output=True, text=True)


def broken(old: str, new: str) -> str:
    assert old in COMPOSE, f"compose.yaml no longer contains {old!r}"
    return COMPOSE.replace(old, new, 1)


def test_the_projects_compose_file_is_valid(tmp_path):
    result = check(COMPOSE, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is valid" in result.stdout


@pytest.mark.parametrize(("old", "new", "message"), [
    # The schema: a misspelled key, a wrong type.
    ("    command: celery -A config beat", "    comand: celery -A config beat", "'comand' was unexpected"),
    ('      - "127.0.0.1:${API_PORT:-8000}:8000"', '      "127.0.0.1:${API_PORT:-8000}:8000"', "ports"),
    # What the schema cannot see.
    ("      redis: {condition: service_healthy}\n    healthcheck:\n      test: [\"CMD\", \"python\"",
     "      rediz: {condition: service_healthy}\n    healthcheck:\n      test: [\"CMD\", \"python\"",
     "no service named 'rediz'"),
    ("      - mongo-data:/data/db", "      - mongo-date:/data/db", "named volume 'mongo-date'"),
    ('      - "127.0.0.1:${API_PORT:-8000}:8000"', '      - "127.0.0.1:${API_PORT:-8000:8000"',
     "bad variable reference"),
    ("env_file: [.env.example]\n  environment", "env_file: [.env.missing]\n  environment",
     ".env.missing does not exist"),
], ids=["misspelled-key", "wrong-type", "unknown-service", "undeclared-volume", "bad-variable",
        "missing-env-file"])
def test_a_broken_compose_file_is_refused_with_the_reason(tmp_path, old, new, message):
    result = check(broken(old, new), tmp_path)
    assert result.returncode == 1
    assert message in result.stdout + result.stderr
