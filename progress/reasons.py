"""Why an element is locked, as sentences: rendered from the stored facts and the outline's titles.

The calculation stores facts only (progress.rules); this is the one place that words them, so
the API, the cache and the admin all say the same thing.
"""
from __future__ import annotations

from learning.moments import moment_read
from learning.outline import Outline


def locked_render(locked: list[dict], outline: Outline) -> list[dict]:
    """Each locked element with its title, its reason and its conditions' reasons.

    `locked` is in course order, so a section's or lesson's reason is known before the items
    that inherit it ("The lesson 'Loops' is locked: …").
    """
    titles = outline.title_index
    reasons: dict[str, str] = {}
    shown = []
    for element in locked:
        conditions = [_condition_render(f, titles, reasons) for f in element["conditions"]]
        reason = "; ".join(c["reason"] for c in conditions)
        reasons[element["id"]] = reason
        shown.append({"type": element["type"], "id": element["id"],
                      "title": titles.get(element["id"], element["id"]),
                      "code": conditions[0]["code"], "reason": reason, "conditions": conditions})
    return shown


def _condition_render(failure: dict, titles: dict[str, str], reasons: dict[str, str]) -> dict:
    shown = dict(failure)
    if failure["code"] == "any_of":
        shown["conditions"] = [_condition_render(f, titles, reasons) for f in failure["conditions"]]
    shown["reason"] = _sentence(shown, titles, reasons)
    return shown


def _sentence(failure: dict, titles: dict[str, str], reasons: dict[str, str]) -> str:
    code, ref = failure["code"], failure.get("ref")
    title = titles.get(ref, ref)
    if code == "previous_section_incomplete":
        return f"Complete the section '{title}' first"
    if code == "previous_lesson_incomplete":
        return f"Complete the lesson '{title}' first"
    if code == "previous_item_incomplete":
        return f"Complete '{title}' first"
    if code in ("section_locked", "lesson_locked"):
        kind = code.removesuffix("_locked")
        return f"The {kind} '{title}' is locked: {reasons.get(ref, 'it is not unlocked yet')}"
    if code == "prerequisite":
        return f"Complete '{title}'"
    if code == "prerequisite_score":
        return f"Complete '{title}' with at least {failure['min_score_percent']:g}%"
    if code == "any_of":
        return "One of: " + "; or ".join(c["reason"] for c in failure["conditions"])
    if "opens_at" in failure:
        return f"Opens on {_human_date(failure['opens_at'])}"
    if code == "available_after_days":
        return "Opens after you enroll"
    return "It is not unlocked yet"


def _human_date(opens_at: str) -> str:
    """'2026-12-01' at midnight UTC, else '2026-12-01 14:30 UTC'."""
    moment = moment_read(opens_at)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M UTC")
