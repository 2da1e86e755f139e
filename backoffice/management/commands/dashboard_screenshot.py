"""Render the staff analytics dashboard and save a PNG of it with headless Chromium."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backoffice.dashboard import dashboard_html_render


class Command(BaseCommand):
    help = ("Render /analytics/dashboard/ from the current data and screenshot it with headless "
            "Chromium (Debian: apt-get install -y --no-install-recommends chromium).")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="PNG file to write")
        parser.add_argument("--days", type=int, default=30, help="days of daily charts (30)")
        parser.add_argument("--width", type=int, default=1280)
        parser.add_argument("--height", type=int, default=1000)
        parser.add_argument("--sample-data", action="store_true",
                            help="embedded mode only: fill the in-memory database with example "
                                 "data first (the running service's data is in its own process)")

    def handle(self, *args, out: str, days: int, width: int, height: int, sample_data: bool,
               **options):
        chromium = settings.CHROMIUM_BINARY
        if not Path(chromium).exists():
            raise CommandError(f"{chromium} not found. Debian: apt-get install -y "
                               "--no-install-recommends chromium (or set CHROMIUM_BINARY)")
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366")
        if sample_data:
            if not settings.MONGODB_EMBEDDED:
                raise CommandError("--sample-data writes example documents; it is refused when "
                                   "MONGODB_URI points at a real database")
            from backoffice.sample import sample_data_create

            self.stdout.write(f"sample data: {sample_data_create(days=days)} activity events")
        target = Path(out).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="lms-dashboard-") as tmp:
            page = Path(tmp) / "dashboard.html"
            page.write_text(dashboard_html_render(days=days), encoding="utf-8")
            command = [chromium, "--headless", "--disable-gpu", "--hide-scrollbars",
                       "--no-first-run", "--disable-extensions", f"--user-data-dir={tmp}/profile",
                       # Paint everything before the capture, also on a busy machine.
                       "--run-all-compositor-stages-before-draw", "--virtual-time-budget=3000",
                       f"--window-size={width},{height}", f"--screenshot={target}",
                       page.as_uri()]
            if os.geteuid() == 0:
                # Chromium refuses to run as root with its sandbox; it only opens our own file.
                command.insert(1, "--no-sandbox")
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired as exc:
                raise CommandError("chromium did not finish within 120 s") from exc
        if done.returncode != 0 or not target.exists():
            raise CommandError(f"chromium failed (exit {done.returncode}): {done.stderr[-2000:]}")
        self.stdout.write(f"wrote {target} ({target.stat().st_size} bytes)")
