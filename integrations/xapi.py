"""xAPI 1.0.3 statements made from our events (pure: no I/O)."""
from __future__ import annotations

from datetime import datetime


def statements_of(*, event_id: str, type: str, data: dict, occurred_at: datetime) -> list[dict]:
    """The xAPI statements an event stands for (none for most types)."""
    return []
