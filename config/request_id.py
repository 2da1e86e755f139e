"""One request id per HTTP request, carried into the tasks it queues and into their log lines."""
from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from celery.signals import before_task_publish, task_postrun, task_prerun

HEADER = "X-Request-ID"
# Celery message header that carries the id to the worker.
TASK_HEADER = "request_id"
# A client's own id is kept when it is short and plain (it ends up in logs and headers).
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdMiddleware:
    """Take the client's X-Request-ID or make one; echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[HEADER] = request_id
        return response


@before_task_publish.connect
def _attach_request_id(headers=None, **kwargs) -> None:
    """Every task published while serving a request (or running a task) carries its id."""
    request_id = current_request_id.get()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


@task_prerun.connect
def _adopt_request_id(task=None, **kwargs) -> None:
    """A task's log lines carry the id of the request that queued it."""
    current_request_id.set(getattr(task.request, TASK_HEADER, None) if task else None)


@task_postrun.connect
def _forget_request_id(**kwargs) -> None:
    current_request_id.set(None)
