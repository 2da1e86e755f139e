"""What every log line carries besides its message: the process name and the request id."""
from __future__ import annotations

import logging
import os

from config.request_id import current_request_id

# Set by `make run`'s process manager for each program (api, worker, beat, flower).
PROCESS_NAME = os.environ.get("LMS_PROCESS") or "-"


class ContextFilter(logging.Filter):
    """Add `process_name` and `request_id` to every record, so formatters can show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = PROCESS_NAME
        record.request_id = current_request_id.get() or "-"
        return True
