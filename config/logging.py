"""What log lines and error reports carry: the process name and request id, never secrets."""
from __future__ import annotations

import logging
import os
import re

from django.views.debug import SafeExceptionReporterFilter

from config.request_id import current_request_id

# Set by `make run`'s process manager for each program (api, worker, beat, flower).
PROCESS_NAME = os.environ.get("LMS_PROCESS") or "-"


class ContextFilter(logging.Filter):
    """Add `process_name` and `request_id` to every record, so formatters can show them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.process_name = PROCESS_NAME
        record.request_id = current_request_id.get() or "-"
        return True


class SecretHidingReporterFilter(SafeExceptionReporterFilter):
    """Django's error-report filter, also hiding connection URLs and DSNs (they carry passwords)."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|AUTH|URI|URL|DSN|DATABASES", flags=re.I)
