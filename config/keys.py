"""Redis keys owned by the operations layer: worker heartbeats."""
from __future__ import annotations

WORKER_HEARTBEATS_KEY = "ops:worker-heartbeats"
