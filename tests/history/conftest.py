"""The corrections world (a course, two enrolled learners, staff, a real worker) for history."""
from __future__ import annotations

from tests.corrections.conftest import World, world  # noqa: F401
