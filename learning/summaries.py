"""Writes of the attempt summary: what one learner's attempts in one course add up to, per item.

The progress worker reads this one document instead of every attempt. Attempts are never
changed or deleted, so a summary only grows, and merging the same attempt twice changes nothing.
"""
from __future__ import annotations

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from learning.documents import AttemptSummary, ContentAttempt
from learning.outline import AttemptFact
from learning.selectors import attempt_summary_facts, object_id_parse, summary_facts


def attempt_summary_get_or_build(*, user_id: int, course_id: str | ObjectId) -> list[AttemptFact]:
    """The learner's results per item from their summary, built from their attempts if missing."""
    facts = attempt_summary_facts(user_id=user_id, course_id=course_id)
    if facts is None:  # no attempt since summaries exist, or no attempt at all
        facts = attempt_summary_backfill(user_id=user_id, course_id=course_id)
    return facts


def attempt_summary_record(*, attempt: ContentAttempt) -> None:
    """Merge one stored attempt into its learner's summary.

    The request that creates a summary also folds in the learner's older attempts (stored
    before summaries existed, or by a request that died before this step).
    """
    row = {"item_id": attempt.item_id, "marks": attempt.marks, "completed": attempt.completed}
    if _summary_merge(user_id=attempt.user_id, course_oid=attempt.course_id, rows=[row]):
        attempt_summary_backfill(user_id=attempt.user_id, course_id=attempt.course_id)


def attempt_summary_backfill(*, user_id: int, course_id: str | ObjectId) -> list[AttemptFact]:
    """Merge every stored attempt of a learner in a course into the summary; return its facts."""
    oid = object_id_parse(course_id, what="course_id")
    rows = list(ContentAttempt._get_collection().find(
        {"course_id": oid, "user_id": user_id}, {"_id": 0, "item_id": 1, "marks": 1, "completed": 1}))
    _summary_merge(user_id=user_id, course_oid=oid, rows=rows)
    return summary_facts(*_rows_fold(rows))


def _summary_merge(*, user_id: int, course_oid: ObjectId, rows: list[dict]) -> bool:
    """Raise the stored summary to cover `rows`; True if this call created the summary.

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
        return collection.update_one(query, update, upsert=True).upserted_id is not None
    except DuplicateKeyError:  # a concurrent request created it a moment ago
        collection.update_one(query, update)
        return False


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

