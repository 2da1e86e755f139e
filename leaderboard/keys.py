"""Redis keys owned by the leaderboard app; one board's keys share a Cluster hash tag."""
from __future__ import annotations


def _tag(course_id: str) -> str:
    return f"leaderboard:{{course:{course_id}}}"


def board_key(course_id: str) -> str:
    """The live all-time board of a course (sorted set: member = user id, score = points)."""
    return f"{_tag(course_id)}:all"


def board_tmp_key(course_id: str) -> str:
    """Where a rebuild writes before it RENAMEs over the live board."""
    return f"{_tag(course_id)}:all:tmp"


def rebuild_lock_key(course_id: str) -> str:
    """Held while one rebuild of the board runs."""
    return f"{_tag(course_id)}:rebuild-lock"


def empty_marker_key(course_id: str) -> str:
    """Set after rebuilding a board that has no members, so reads do not rebuild it again."""
    return f"{_tag(course_id)}:empty"


def update_pending_key(course_id: str, user_id: int) -> str:
    """Set while an UPDATE_LEADERBOARD for this learner is queued (coalescing)."""
    return f"{_tag(course_id)}:pending:{user_id}"


REBUILD_LOCK_TTL_SECONDS = 600
EMPTY_MARKER_TTL_SECONDS = 60
PENDING_TTL_SECONDS = 120
REBUILD_BATCH_SIZE = 10_000
