"""A real HTTP receiver on loopback for the webhook tests: answers as told, records what came."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    path: str


@dataclass
class Receiver:
    """Answers each request with the next planned status (default 204); ("stall", s) waits s
    seconds first. Processes each webhook-id once, as a receiver should."""

    server: ThreadingHTTPServer
    plan: list = field(default_factory=list)
    default: object = 204
    requests: list[Received] = field(default_factory=list)
    processed: list[dict] = field(default_factory=list)
    secret: str | None = None
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def answer(self, received: Received) -> int:
        with self.lock:
            self.requests.append(received)
            step = self.plan.pop(0) if self.plan else self.default
        if isinstance(step, tuple):  # ("stall", seconds)
            self.released.wait(step[1])
            return 204
        if 200 <= step < 300 and self.secret:
            payload = Webhook(self.secret).verify(received.body, received.headers)
            with self.lock:
                if received.headers["webhook-id"] not in {p["id"] for p in self.processed}:
                    self.processed.append({"id": received.headers["webhook-id"], **payload})
        return step

    def types(self) -> list[str]:
        with self.lock:
            return sorted(p["type"] for p in self.processed)


def receiver_start() -> Receiver:
    holder: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            received = Received(time.monotonic(), {k.lower(): v for k, v in self.headers.items()},
                                body, self.path)
            status = holder["receiver"].answer(received)
            try:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up waiting (a timeout test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server=server)
    holder["receiver"] = receiver
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


def receiver_stop(receiver: Receiver) -> None:
    receiver.released.set()
    receiver.server.shutdown()
    receiver.server.server_close()
