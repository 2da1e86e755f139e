"""A course's grading policy: weighted categories, dropped lowest scores, a pass mark and letters.

Pure: validated when the course is saved (`grading_normalize`), applied to a learner's best
marks by the progress calculation (`grade_compute`). A course without `grading` has no grade.

    {"categories": [{"name": "Quizzes", "kinds": ["quiz"], "weight": 40, "drop_lowest": 1},
                    {"name": "Project", "sections": ["s-project"], "weight": 60}],
     "pass_percent": 60,
     "letters": [{"letter": "A", "min_percent": 90}, {"letter": "B", "min_percent": 75}, ...]}
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

GRADED_KINDS = ("quiz", "assignment")
MAX_CATEGORIES = 20
MAX_LETTERS = 20


class GradingError(ValueError):
    """A grading policy that cannot be stored; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Grade:
    """A learner's grade: the weighted percentage, its letter and whether it passes."""

    percent: float
    letter: str | None
    passed: bool


def grading_normalize(grading: dict | None, *, items: list, sections: dict[str, list],
                      resolve: Callable[[str], str | None]) -> dict:
    """Check a grading policy against the outline; section refs become ids. `items` are the
    outline's items, `sections` maps a section id to its items."""
    if not grading:
        return {}
    categories = grading.get("categories") or []
    if not categories or len(categories) > MAX_CATEGORIES:
        raise GradingError(f"grading needs 1 to {MAX_CATEGORIES} categories")
    normalized, names = [], set()
    for category in categories:
        name = category["name"]
        if name in names:
            raise GradingError(f"grading: two categories are named '{name}'")
        names.add(name)
        kinds, refs = category.get("kinds"), category.get("sections")
        if bool(kinds) == bool(refs):
            raise GradingError(f"grading category '{name}' needs either kinds or sections")
        entry = {"name": name, "weight": category["weight"],
                 "drop_lowest": category.get("drop_lowest", 0)}
        if kinds:
            unknown = sorted(set(kinds) - set(GRADED_KINDS))
            if unknown:
                raise GradingError(f"grading category '{name}': {unknown} are not graded kinds "
                                   f"({', '.join(GRADED_KINDS)})")
            entry["kinds"] = sorted(set(kinds))
            members = [i for i in items if i.kind in entry["kinds"] and i.max_marks > 0]
        else:
            ids = []
            for ref in refs:
                section_id = resolve(ref)
                if section_id not in sections:
                    raise GradingError(f"grading category '{name}': '{ref}' is not a section of "
                                       "this course")
                ids.append(section_id)
            entry["sections"] = ids
            members = [i for s in ids for i in sections[s] if i.max_marks > 0]
        if not members:
            raise GradingError(f"grading category '{name}' holds no item with marks")
        if entry["drop_lowest"] >= len(members):
            raise GradingError(f"grading category '{name}' drops {entry['drop_lowest']} of its "
                               f"{len(members)} graded items; it must keep at least one")
        normalized.append(entry)
    total = round(sum(c["weight"] for c in normalized), 6)
    if total != 100:
        raise GradingError(f"grading weights add up to {total:g}, not 100")
    letters = grading.get("letters") or []
    cutoffs = [letter["min_percent"] for letter in letters]
    if any(a <= b for a, b in zip(cutoffs, cutoffs[1:], strict=False)):
        raise GradingError("grading letters must go from the highest min_percent down, each lower "
                           "than the one before")
    return {"categories": normalized, "pass_percent": grading.get("pass_percent", 50),
            "letters": [{"letter": x["letter"], "min_percent": x["min_percent"]} for x in letters]}


def grade_compute(grading: dict, *, members: dict[str, list], best: dict[str, float]) -> Grade:
    """The grade of one learner: `members` maps each category name to its graded items,
    `best` holds the learner's best marks per item id (items without are worth 0)."""
    percent = 0.0
    for category in grading["categories"]:
        scores = sorted(((best.get(item.id, 0.0), item.max_marks) for item in members[category["name"]]),
                        key=lambda pair: pair[0] / pair[1])
        kept = scores[category["drop_lowest"]:]
        obtained, possible = sum(o for o, _ in kept), sum(m for _, m in kept)
        percent += category["weight"] * (obtained / possible)
    percent = round(percent, 2)
    letter = next((x["letter"] for x in grading["letters"] if percent >= x["min_percent"]), None)
    return Grade(percent=percent, letter=letter, passed=percent >= grading["pass_percent"])


def grading_members(grading: dict, *, items: list, sections: dict[str, list]) -> dict[str, list]:
    """Each category's graded items (items with marks of its kinds or sections)."""
    members = {}
    for category in grading.get("categories", ()):
        if "kinds" in category:
            chosen = [i for i in items if i.kind in category["kinds"]]
        else:
            chosen = [i for s in category["sections"] for i in sections.get(s, ())]
        members[category["name"]] = [i for i in chosen if i.max_marks > 0]
    return members
