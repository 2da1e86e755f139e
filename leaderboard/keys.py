"""Redis keys owned by the leaderboard app; all keys of a course share one Cluster hash tag."""
from __future__ import annotations

# The global board (every published course) uses the same key layout under this pseudo course
# id: `leaderboard:{course:global}:all`, its hidden set, levels, lock, floors, …
GLOBAL_ID = "global"


def _tag(course_id: str) -> str:
    return f"leaderboard:{{course:{course_id}}}"


def board_key(course_id: str, window: str = "all") -> str:
    """A live board (sorted set: member = user id, score = composite); window "all" or "week:2026-W48"."""
    return f"{_tag(course_id)}:{window}"


def board_tmp_key(course_id: str, window: str = "all") -> str:
    """Where a rebuild writes before it RENAMEs over the live board."""
    return f"{_tag(course_id)}:{window}:tmp"


def rebuild_lock_key(course_id: str, window: str = "all") -> str:
    """Held while one rebuild of the board runs."""
    return f"{_tag(course_id)}:{window}:rebuild-lock"


def rebuild_requested_key(course_id: str, window: str = "all") -> str:
    """Set while a rebuild asked for by readers of a missing board is queued (coalescing)."""
    return f"{_tag(course_id)}:{window}:rebuild-requested"


def dirty_key(course_id: str, window: str = "all") -> str:
    """Learners updated while a rebuild of the board ran; re-applied after its RENAME."""
    return f"{_tag(course_id)}:{window}:dirty"


def empty_marker_key(course_id: str, window: str = "all") -> str:
    """Set after rebuilding a board that has no members, so reads do not rebuild it again."""
    return f"{_tag(course_id)}:{window}:empty"


def hidden_key(course_id: str, window: str = "all") -> str:
    """Learners kept off the board's pages (their own choice or staff's): same scores as the
    board, so they can still be told where they stand."""
    return f"{_tag(course_id)}:{window}:hidden"


def levels_key(course_id: str, window: str = "all") -> str:
    """The distinct point values (in cents) of the board's members, for dense ranks (ZCOUNT)."""
    return f"{_tag(course_id)}:{window}:levels"


def level_counts_key(course_id: str, window: str = "all") -> str:
    """Hash cents → members holding it: a value leaves `levels` when its last member does."""
    return f"{_tag(course_id)}:{window}:level-counts"


def anonymous_key(course_id: str, window: str = "all") -> str:
    """Members of the board shown as "Anonymous learner" (the read scripts flag them)."""
    return f"{_tag(course_id)}:{window}:anonymous"


def board_keys(course_id: str, window: str = "all") -> list[str]:
    """Every key that makes up one board (a rebuild writes them together)."""
    return [board_key(course_id, window), hidden_key(course_id, window),
            levels_key(course_id, window), level_counts_key(course_id, window),
            anonymous_key(course_id, window)]


def tmp_of(key: str) -> str:
    """Where a rebuild writes a board's key before it RENAMEs over the live one."""
    return f"{key}:tmp"


def applied_key(course_id: str) -> str:
    """Hash user id → order (leaderboard.services.Stamp) of the newest computation written."""
    return f"{_tag(course_id)}:applied"


def floors_key(course_id: str) -> str:
    """Hash window → Redis clock when the rebuild that produced the live board started; updates
    stamped before it skip that board (what they read is in the rebuild)."""
    return f"{_tag(course_id)}:floors"


def config_key(course_id: str) -> str:
    """Hash mirroring the course's leaderboard settings (ranking mode) for the read scripts."""
    return f"{_tag(course_id)}:config"


def stats_key(course_id: str) -> str:
    """Hash of counters: rebuilds per window, last rebuild figures, drift found."""
    return f"{_tag(course_id)}:stats"


def global_parts_key(user_id: int | str) -> str:
    """Hash course id → "order|weighted cents|reached step" of one learner's global points."""
    return f"{_tag(GLOBAL_ID)}:parts:{user_id}"


def update_pending_key(course_id: str, user_id: int) -> str:
    """Set while an UPDATE_LEADERBOARD for this learner is queued (coalescing)."""
    return f"{_tag(course_id)}:pending:{user_id}"


EMPTY_MARKER_TTL_SECONDS = 24 * 3600
DIRTY_TTL_SECONDS = 3600
PENDING_TTL_SECONDS = 120
REBUILD_REQUESTED_TTL_SECONDS = 60
