"""Writes of the attempt summary: what one learner's attempts in one course add up to, per item.

The progress worker reads this one document instead of every attempt. Attempts are never
changed or deleted, so a summary only grows, and merging the same attempt twice changes nothing.
A summary is only ever created from all of the learner's stored attempts, so one that exists
is never missing an attempt stored before it. (Not in services.py: progress.services reads
summaries and learning.services imports progress.services.)
"""
from __future__ import annotations

from collections.abc import Iterable

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from learning.documents import AttemptSummary, ContentAttempt
from learning.outline import AttemptFact
from learning.selectors import attempt_facts_from_summary, attempt_summary_facts, object_id_parse

_ATTEMPT_FIELDS = {"_id": 0, "item_id": 1, "marks": 1, "completed": 1}


def attempt_summary_get_or_build(*, user_id: int, course_id: str | ObjectId) -> list[AttemptFact]:
    """The learner's results per item from their summary, built from their attempts if missing."""
    facts = attempt_summary_facts(user_id=user_id, course_id=course_id)
    if facts is None:  # no attempt since summaries exist, or no attempt at all
        facts = attempt_summary_backfill(user_id=user_id, course_id=course_id)
    return facts


def attempt_summary_record(*, attempt: ContentAttempt) -> None:
    """Merge one stored attempt into its learner's summary, or build the summary if it is missing."""
    row = {"item_id": attempt.item_id, "marks": attempt.marks, "completed": attempt.completed}
    if not _summary_merge(user_id=attempt.user_id, course_oid=attempt.course_id, rows=[row], create=False):
        # No summary yet: build it from every stored attempt, this one included.
        attempt_summary_backfill(user_id=attempt.user_id, course_id=attempt.course_id)


def attempt_summary_backfill(*, user_id: int, course_id: str | ObjectId) -> list[AttemptFact]:
    """Merge every stored attempt of a learner in a course into the summary; return its facts."""
    oid = object_id_parse(course_id, what="course_id")
    rows = list(ContentAttempt._get_collection().find({"course_id": oid, "user_id": user_id},
                                                      _ATTEMPT_FIELDS))
    _summary_merge(user_id=user_id, course_oid=oid, rows=rows, create=True)
    best, done = _rows_fold(rows)
    return attempt_facts_from_summary(best_marks=best, done_items=done)


def attempt_summaries_rebuild(*, course_id: str | ObjectId) -> Iterable[tuple[int, bool]]:
    """Merge every attempt of a course into its learners' summaries, one learner at a time.

    Yields (user_id, changed) per learner with attempts; a summary that already covered all of
    them is left as it was. For data written by processes that predate summaries.
    """
    oid = object_id_parse(course_id, what="course_id")
    user_ids = ContentAttempt._get_collection().distinct("user_id", {"course_id": oid})
    for user_id in sorted(user_ids):
        before = attempt_summary_facts(user_id=user_id, course_id=oid)
        after = attempt_summary_backfill(user_id=user_id, course_id=oid)
        yield user_id, before is None or _facts_key(before) != _facts_key(after)


def _facts_key(facts: list[AttemptFact]) -> set[tuple]:
    return {(fact.item_id, fact.marks, fact.completed) for fact in facts}


def _summary_merge(*, user_id: int, course_oid: ObjectId, rows: list[dict], create: bool) -> bool:
    """Raise the stored summary to cover `rows` (creating it if `create`); False if there was
    none to raise.

    `$max` and `$addToSet` never lower what is stored, so concurrent merges and repeats are safe.
    """
    best, done = _rows_fold(rows)
    update: dict = {}
    if best:
        update["$max"] = {f"best_marks.{item_id}": marks for item_id, marks in best.items()}
    if done:
        update["$addToSet"] = {"done_items": {"$each": sorted(done)}}
    if not update:
        update["$setOnInsert"] = {"best_marks": {}, "done_items": []}
    collection = AttemptSummary._get_collection()
    query = {"user_id": user_id, "course_id": course_oid}
    try:
        result = collection.update_one(query, update, upsert=create)
    except DuplicateKeyError:  # a concurrent backfill created it a moment ago
        result = collection.update_one(query, update)
    return create or result.matched_count == 1


def _rows_fold(rows: list[dict]) -> tuple[dict[str, float], set[str]]:
    """Best marks per item and the items marked completed, from raw attempt rows."""
    best: dict[str, float] = {}
    done: set[str] = set()
    for row in rows:
        item_id, marks = str(row["item_id"]), row.get("marks")
        if marks is not None and marks > best.get(item_id, -1.0):
            best[item_id] = float(marks)
        if row.get("completed"):
            done.add(item_id)
    return best, done
