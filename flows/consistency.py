"""Is everything derived equal to a fresh computation from MongoDB? (fault-injection suites)

For every enrolled learner of a course, progress is recomputed from the stored attempts and
compared with what a reader is served (the cached payload, else the MongoDB document); every
live board of the course (all-time and this week) is compared member by member with a fresh
aggregation over the attempts; attempts whose follow-up is still flagged count as not converged
(their summary merge or derived work is the sweep's to finish). Nothing is written.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import orjson
from bson import ObjectId
from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys as board_keys
from leaderboard.aggregation import scores_aggregate
from leaderboard.scoring import ALL_TIME, composite_encode
from leaderboard.windows import current_week
from learning.documents import ContentAttempt
from learning.selectors import (
    attempt_facts_get,
    attempt_summary_get,
    course_ids_all,
    course_outline_get,
    enrollment_date_get,
    enrollment_user_ids,
    object_id_parse,
)
from progress.calculation import progress_calculate
from progress.keys import progress_cache_key
from progress.selectors import stored_payload_get
from progress.services import activity_of

# What a learner sees of their progress; each must equal the fresh computation.
PROGRESS_FIELDS = ("completion_percent", "completed_items", "completed_item_ids",
                   "marks_obtained", "next_item_id")


@dataclass
class ConsistencyReport:
    """Differences between derived data and MongoDB; `ok` when there are none."""

    courses: int = 0
    learners: int = 0
    boards: int = 0
    progress_diffs: list[dict] = field(default_factory=list)
    board_diffs: list[dict] = field(default_factory=list)
    boards_missing: list[dict] = field(default_factory=list)
    # Accepted attempts whose follow-up (summary merge, derived work) the sweep has yet to finish.
    followups_pending: int = 0

    @property
    def ok(self) -> bool:
        return not (self.progress_diffs or self.board_diffs or self.boards_missing
                    or self.followups_pending)

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def _served_progress(user_id: int, course_id: str) -> tuple[str, dict | None]:
    """What a progress read serves: the cached payload, else the stored document."""
    raw = redis_client().get(progress_cache_key(user_id, course_id))
    if raw:
        return "cache", orjson.loads(raw)
    return "mongodb", stored_payload_get(user_id=user_id, course_id=course_id)


def _progress_expected(user_id: int, course_id: str) -> dict:
    """The learner's progress computed now from the attempts themselves."""
    outline = course_outline_get(course_id=course_id)
    summary = attempt_summary_get(user_id=user_id, course_id=course_id)
    result = progress_calculate(outline, attempt_facts_get(user_id=user_id, course_id=course_id),
                                now=timezone.now(),
                                enrolled_at=enrollment_date_get(user_id=user_id, outline=outline),
                                activity=activity_of(summary))
    return {name: getattr(result, name) for name in PROGRESS_FIELDS}


def progress_check(*, course_id: str, report: ConsistencyReport) -> None:
    """Compare every enrolled learner's served progress with a fresh computation."""
    for user_id in enrollment_user_ids(course_id=course_id):
        if user_id < 0:
            # An erased learner (anonymous ids are negative): their progress is kept as it was,
            # and their attempts went to the archive, so a fresh computation finds none.
            continue
        report.learners += 1
        expected = _progress_expected(user_id, course_id)
        source, served = _served_progress(user_id, course_id)
        if served is not None and served.get("stale"):
            source = f"{source} (stale)"
        got = {name: (served or {}).get(name) for name in PROGRESS_FIELDS}
        if served is None or got != expected or source.endswith("(stale)"):
            differing = [name for name in PROGRESS_FIELDS if got[name] != expected[name]]
            report.progress_diffs.append({"course_id": course_id, "user_id": user_id,
                                          "source": source, "fields": differing,
                                          "expected": {n: expected[n] for n in differing},
                                          "served": {n: got[n] for n in differing}})


def boards_check(*, course_id: str, report: ConsistencyReport) -> None:
    """Compare the course's all-time and current week boards with a fresh aggregation."""
    client = redis_client()
    for window in (ALL_TIME, current_week()):
        report.boards += 1
        expected = {user_id: composite_encode(cents=cents, reached_at=reached_at)
                    for user_id, (cents, reached_at) in
                    scores_aggregate(course_id=course_id, window=window).items()}
        board = board_keys.board_key(course_id, window.name)
        pipe = client.pipeline(transaction=False)
        pipe.zrange(board, 0, -1, withscores=True)
        pipe.exists(board_keys.empty_marker_key(course_id, window.name))
        members, empty = pipe.execute()
        if not members and not empty:
            # Missing: its next reader has a worker rebuild it; counted until then.
            report.boards_missing.append({"course_id": course_id, "window": window.name,
                                          "expected_members": len(expected)})
            continue
        live = {int(member): int(score) for member, score in members}
        differing = sorted(user_id for user_id in live.keys() | expected.keys()
                           if live.get(user_id) != expected.get(user_id))
        if differing:
            report.board_diffs.append({"course_id": course_id, "window": window.name,
                                       "users": differing[:20], "count": len(differing)})


def consistency_check(*, course_ids: list[str] | None = None) -> ConsistencyReport:
    """Check the given courses (all of them by default); read-only."""
    report = ConsistencyReport()
    for course_id in course_ids if course_ids is not None else course_ids_all():
        course_id = str(object_id_parse(course_id, what="course_id"))
        report.courses += 1
        report.followups_pending += ContentAttempt._get_collection().count_documents(
            {"course_id": ObjectId(course_id), "followup_pending": True})
        progress_check(course_id=course_id, report=report)
        boards_check(course_id=course_id, report=report)
    return report
