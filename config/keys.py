"""Redis keys owned by the operations layer: worker heartbeats and stored metrics."""
from __future__ import annotations

WORKER_HEARTBEATS_KEY = "ops:worker-heartbeats"


def metric_key(name: str) -> str:
    """Hash holding one metric's samples (field = label values, value = number)."""
    return f"ops:metric:{name}"
