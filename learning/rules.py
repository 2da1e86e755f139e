"""Unlock rules as stored in a course: validate, normalise, and find deadlocks (pure, no I/O).

A rule is one condition; a condition is one of
  {"all": [condition, ...]}                       every condition holds
  {"any": [condition, ...]}                       at least one holds
  {"completed": REF, "min_score_percent": 60}     REF (item, lesson or section) is complete,
                                                  optionally scoring at least that percentage
  {"available_from": "2026-12-01T00:00:00Z"}      from that moment on (UTC)
  {"available_after_days": 7}                     that many days after the learner enrolled
REF is the `id` or the `key` of an element of the same course; stored rules hold ids.
"""
from __future__ import annotations

from collections.abc import Callable

from learning.moments import moment_format, moment_parse

MAX_RULE_DEPTH = 8
MAX_RULE_CONDITIONS = 100


class RuleError(ValueError):
    """A rule that cannot be stored; the message says what and where."""


# --- Validation and normalisation (when a course is saved) -------------------------------------

def rule_normalize(rule: object, *, resolve: Callable[[str], str | None], where: str) -> dict:
    """Check a rule's shape and replace REFs by ids; raise RuleError naming the problem."""
    if rule in (None, {}):
        return {}
    counter = [0]
    return _normalize(rule, resolve, where, depth=0, counter=counter)


def _normalize(cond: object, resolve, where: str, *, depth: int, counter: list[int]) -> dict:
    counter[0] += 1
    if counter[0] > MAX_RULE_CONDITIONS:
        raise RuleError(f"{where}: a rule may hold at most {MAX_RULE_CONDITIONS} conditions")
    if depth > MAX_RULE_DEPTH:
        raise RuleError(f"{where}: rules may nest at most {MAX_RULE_DEPTH} levels deep")
    if not isinstance(cond, dict) or not cond:
        raise RuleError(f"{where}: a condition must be a non-empty JSON object")
    kinds = set(cond) & {"all", "any", "completed", "available_from", "available_after_days"}
    if len(kinds) != 1:
        raise RuleError(f"{where}: a condition needs exactly one of all, any, completed, "
                        f"available_from, available_after_days (got {sorted(cond)})")
    kind = kinds.pop()
    allowed = {kind, "min_score_percent"} if kind == "completed" else {kind}
    if set(cond) - allowed:
        raise RuleError(f"{where}: unexpected field(s) {sorted(set(cond) - allowed)} in a "
                        f"'{kind}' condition")
    value = cond[kind]
    if kind in ("all", "any"):
        if not isinstance(value, list) or not value:
            raise RuleError(f"{where}: '{kind}' needs a non-empty list of conditions")
        return {kind: [_normalize(c, resolve, where, depth=depth + 1, counter=counter) for c in value]}
    if kind == "completed":
        if not isinstance(value, str) or not value:
            raise RuleError(f"{where}: 'completed' needs the id or key of an item, lesson or section")
        target = resolve(value)
        if target is None:
            raise RuleError(f"{where}: 'completed' refers to '{value}', which is not in this course")
        normalized: dict = {"completed": target}
        if "min_score_percent" in cond:
            score = cond["min_score_percent"]
            if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
                raise RuleError(f"{where}: min_score_percent must be a number from 0 to 100")
            normalized["min_score_percent"] = score
        return normalized
    if kind == "available_from":
        moment = moment_parse(value)
        if moment is None:
            raise RuleError(f"{where}: available_from must be an ISO 8601 date-time from year 1 "
                            f"to 9999 in UTC, e.g. 2026-12-01T00:00:00Z")
        return {"available_from": moment_format(moment)}
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise RuleError(f"{where}: available_after_days must be a whole number of days from 0 to 3650")
    return {"available_after_days": value}


def rule_mentions_enrollment(rule: dict) -> bool:
    """True when a normalised rule counts days since enrollment."""
    if not rule:
        return False
    if "available_after_days" in rule:
        return True
    return any(rule_mentions_enrollment(child) for child in rule.get("all", rule.get("any", [])))


def rule_hard_refs(rule: dict) -> list[str]:
    """Ids a rule needs whatever happens (refs inside an `any` group are alternatives)."""
    if not rule or "any" in rule:
        return []
    if "completed" in rule:
        return [rule["completed"]]
    if "all" in rule:
        return [ref for child in rule["all"] for ref in rule_hard_refs(child)]
    return []


def outline_deadlock_find(outline) -> list[str] | None:
    """Titles along a cycle of prerequisites that no learner could ever open, or None.

    Node = "element can open". It depends on its container opening, on the previous element in
    sequential mode, and on each referenced element being complete, which needs that element's
    required items to open. A cycle in this graph is a deadlock.
    """
    sequential = outline.unlock_mode == "sequential"
    edges: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    required_items: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for section in outline.sections:
        required_items[section.id] = []
        for lesson in section.lessons:
            required_items[lesson.id] = [i.id for i in lesson.items if not i.optional]
            required_items[section.id] += required_items[lesson.id]
            for item in lesson.items:
                titles[item.id], kinds[item.id] = item.title, "item"
            titles[lesson.id], kinds[lesson.id] = lesson.title, "lesson"
        titles[section.id], kinds[section.id] = section.title, "section"

    def needs(ref: str) -> list[str]:
        return [ref] if kinds.get(ref) == "item" else required_items.get(ref, [])

    previous_section = previous_lesson = previous_item = None
    for section in outline.sections:
        deps = [d for ref in rule_hard_refs(section.rules) for d in needs(ref)]
        if sequential and previous_section is not None:
            deps += required_items[previous_section]
        edges[section.id] = deps
        for lesson in section.lessons:
            deps = [section.id] + [d for ref in rule_hard_refs(lesson.rules) for d in needs(ref)]
            if sequential and previous_lesson is not None:
                deps += required_items[previous_lesson]
            edges[lesson.id] = deps
            for item in lesson.items:
                deps = [lesson.id] + [d for ref in rule_hard_refs(item.rules) for d in needs(ref)]
                if sequential and previous_item is not None:
                    deps.append(previous_item)
                edges[item.id] = deps
                if not item.optional:
                    previous_item = item.id
            previous_lesson = lesson.id
        previous_section = section.id
    cycle = _cycle_find(edges)
    return [titles[node] for node in cycle] if cycle else None


def _cycle_find(edges: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the graph as a node path (first node repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in edges:
        if state.get(root):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            children = edges.get(node, [])
            if index < len(children):
                stack.append((node, index + 1))
                child = children[index]
                if state.get(child) == 1:
                    return path[path.index(child):] + [child]
                if not state.get(child):
                    stack.append((child, 0))
            else:
                state[node] = 2
                path.pop()
    return None
