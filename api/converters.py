"""URL path converters: ids in one canonical form before any view, key or query sees them."""
from __future__ import annotations

import re

_HEX_ID = re.compile(r"^[0-9a-fA-F]{24}$")


class ObjectIdConverter:
    """A MongoDB id in a URL: `6650F0C2…` and `6650f0c2…` are the same id, so a valid one is
    lower-cased (one Redis key, one cache entry). Anything else passes through unchanged, so the
    view answers 400 `invalid_id` naming the parameter rather than a bare 404."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value.lower() if _HEX_ID.match(value) else value

    def to_url(self, value: str) -> str:
        return str(value)
