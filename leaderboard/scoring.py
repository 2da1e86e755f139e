"""Pure scoring helpers: how points are shown and how ranks follow from sorted positions."""
from __future__ import annotations


def points_display(score: float) -> float | int:
    """Whole points as integers, others to 2 decimals."""
    value = round(float(score), 2)
    return int(value) if value.is_integer() else value


def rank_from_index(index: int) -> int:
    """Ranks start at 1 at the top of the board."""
    return index + 1
