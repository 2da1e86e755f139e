"""Serve the API; in embedded mode also run the Celery worker in this process."""
from __future__ import annotations

import logging
import os
import signal

import bson.errors
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.celery import app as celery_app
from config.embedded_snapshot import snapshot_load
from config.embedded_worker import embedded_worker_start
from config.mongo import EMBEDDED_SERVER_FLAG, mongo_indexes_ensure

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Run the API server. Without MONGODB_URI (embedded in-memory MongoDB) a Celery "
            "worker runs in the same process, since the in-memory data lives in one process.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start the in-process worker (a separate one runs).")
        parser.add_argument("--worker-concurrency", type=int, default=4)
        parser.add_argument("--snapshot", default=os.environ.get("EMBEDDED_SNAPSHOT") or None,
                            help="Embedded mode: first load this file (written by "
                                 "config.embedded_snapshot, e.g. by bench.fill) into the "
                                 "in-memory MongoDB [EMBEDDED_SNAPSHOT]")

    def handle(self, *args, host: str, port: int, no_worker: bool, worker_concurrency: int,
               snapshot: str | None, **options):
        if not 1 <= port <= 65535:
            self.stderr.write(f"--port must be between 1 and 65535, not {port}")
            raise SystemExit(2)
        if snapshot:
            self._snapshot_load(snapshot)
        if settings.MONGODB_EMBEDDED:
            # The in-memory database lives in this process: its indexes can only be made here.
            mongo_indexes_ensure()
        worker = None
        if no_worker:
            if settings.MONGODB_EMBEDDED:
                self.stderr.write("warning: --no-worker without MONGODB_URI: a separate worker "
                                  "cannot see this process's in-memory MongoDB")
        else:
            worker = embedded_worker_start(celery_app, concurrency=worker_concurrency)
            self.stdout.write(f"In-process Celery worker {worker.hostname} consuming "
                              f"{', '.join(q.name for q in celery_app.conf.task_queues)}")
        if settings.MONGODB_EMBEDDED:
            self.stdout.write("MongoDB: embedded in-memory mode; data is lost when this process stops. "
                              "Set MONGODB_URI to keep it.")
        # This one process holds the embedded data, so config.wsgi may serve it.
        os.environ[EMBEDDED_SERVER_FLAG] = "1"
        # SIGTERM stops like Ctrl-C, so the embedded worker shuts down cleanly (finally below).
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.stop(in_sighandler=False)

    def _snapshot_load(self, path: str) -> None:
        if not settings.MONGODB_EMBEDDED:
            self.stderr.write("--snapshot fills embedded mode's in-memory MongoDB; with MONGODB_URI "
                              "set, restore your database with mongorestore instead")
            raise SystemExit(2)
        try:
            counts = snapshot_load(path)
        except (OSError, EOFError, bson.errors.BSONError) as exc:
            self.stderr.write(f"cannot load snapshot {path}: {exc}")
            raise SystemExit(2) from exc
        self.stdout.write(f"Loaded snapshot {path}: " + ", ".join(
            f"{name} {count:,}" for name, count in sorted(counts.items())))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
