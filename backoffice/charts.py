"""Geometry of the dashboard's SVG charts: plain data in, rectangles and labels out (no I/O)."""
from __future__ import annotations

import math

BAR_COLOR = "#2b6cb0"
FUNNEL_COLOR = "#2f855a"


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above value (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude) or 1
    return int(10 * magnitude)


def column_chart(points: list[tuple[str, float]], *, width: int = 560, height: int = 220,
                 color: str = BAR_COLOR) -> dict:
    """Vertical bars for a daily series, with y ticks and a few day labels under the axis."""
    left, bottom, top, right = 40, 28, 10, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_ceiling(max((v for _, v in points), default=0))
    slot = plot_w / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_h = plot_h * value / top_value
        bars.append({"x": round(left + index * slot + slot * 0.1, 1), "w": round(slot * 0.8, 1),
                     "y": round(top + plot_h - bar_h, 1), "h": round(bar_h, 1),
                     "label": label, "value": value})
    every = max(1, math.ceil(len(points) / 6))
    x_labels = [{"x": round(left + i * slot + slot / 2, 1), "text": label[5:]}
                for i, (label, _) in enumerate(points) if i % every == 0]
    ticks = [{"y": round(top + plot_h - plot_h * f, 1), "text": f"{top_value * f:g}"}
             for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "bars": bars, "x_labels": x_labels,
            "ticks": ticks, "color": color, "axis_y": top + plot_h, "left": left,
            "right": width - right, "label_y": height - 8}


def funnel_chart(stages: list[dict], *, width: int = 560, color: str = FUNNEL_COLOR) -> dict:
    """Horizontal bars, one per funnel stage, scaled to the first stage (enrolled)."""
    label_w, row_h, gap = 190, 22, 6
    plot_w = width - label_w - 100
    base = max(stages[0]["learners"] if stages else 0, 1)
    rows = []
    for index, stage in enumerate(stages):
        y = index * (row_h + gap)
        bar_w = plot_w * min(stage["learners"] / base, 1)
        rows.append({"y": y, "text_y": y + row_h - 6, "w": round(bar_w, 1), "h": row_h,
                     "label": stage["stage"][:28], "learners": stage["learners"],
                     "percent": stage["percent"], "value_x": round(label_w + bar_w + 6, 1)})
    return {"width": width, "height": max(len(rows) * (row_h + gap), row_h), "rows": rows,
            "label_w": label_w, "color": color}
