"""The staff dashboard page and its headless-Chromium screenshot command."""
from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from backoffice.charts import BAR_COLOR, FUNNEL_COLOR, column_chart, nice_ceiling
from backoffice.sample import sample_data_create

pytestmark = pytest.mark.django_db


def test_the_dashboard_needs_a_staff_session(make_user):
    anonymous = Client().get("/analytics/dashboard/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    learner = Client()
    learner.force_login(make_user("ada"))
    assert learner.get("/analytics/dashboard/").status_code == 302


def test_the_dashboard_shows_svg_charts_of_activity_and_funnels(staff):
    sample_data_create(learners=20, days=30)
    client = Client()
    client.force_login(staff)
    response = client.get("/analytics/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 4  # two daily charts, one funnel per sample course
    assert "Daily active learners" in page and "Attempts per day" in page
    assert "Intro to Python" in page and "section: Functions" in page
    assert page.count(f'fill="{BAR_COLOR}"') == 60
    assert "http://" not in page and "https://" not in page  # nothing loaded from elsewhere


def test_column_chart_scales_bars_to_a_round_maximum():
    chart = column_chart([("2026-03-01", 5), ("2026-03-02", 10), ("2026-03-03", 0)], height=228)
    assert nice_ceiling(13) == 20 and nice_ceiling(0) == 1 and nice_ceiling(100) == 100
    heights = [bar["h"] for bar in chart["bars"]]
    assert heights == [95.0, 190.0, 0.0]  # plot height 190, axis maximum 10
    assert [t["text"] for t in chart["ticks"]] == ["0", "5", "10"]


def png_pixels(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Decode an 8-bit, non-interlaced RGB/RGBA PNG into (width, height, RGB pixels)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color_type, _, _, interlace = header
    assert depth == 8 and color_type in (2, 6) and interlace == 0, header
    step = 3 if color_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * step
    previous, pixels, offset = bytearray(stride), [], 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, up_left = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, step))
        previous = line
    return width, height, pixels


def rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


@pytest.mark.skipif(not Path(settings.CHROMIUM_BINARY).exists(),
                    reason=f"{settings.CHROMIUM_BINARY} is not installed (as root: apt-get install -y "
                           "--no-install-recommends chromium; `make test` run as root installs it)")
def test_dashboard_screenshot_writes_a_png_that_shows_the_charts(tmp_path):
    out = tmp_path / "dashboard.png"
    call_command("dashboard_screenshot", "--out", str(out), "--sample-data",
                 "--width", "1000", "--height", "900")
    assert out.stat().st_size > 20_000
    width, height, pixels = png_pixels(out)
    assert (width, height) == (1000, 900)
    colors = Counter(pixels)
    white = colors[(255, 255, 255)]
    assert white < len(pixels) * 0.95, "the page is blank"
    # Bars of the daily charts (blue) and of the funnels (green) cover a real area.
    assert colors[rgb(BAR_COLOR)] > 5_000
    assert colors[rgb(FUNNEL_COLOR)] > 2_000
