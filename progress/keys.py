"""Redis keys owned by the progress app."""
from __future__ import annotations


def progress_cache_key(user_id: int, course_id: str) -> str:
    """The cached progress of one learner in one course (the seed's key, exactly)."""
    return f"user:{user_id}:course:{course_id}:progress"


def progress_pending_key(user_id: int, course_id: str) -> str:
    """Set while a recalculation is queued: later requests coalesce into it."""
    return f"user:{user_id}:course:{course_id}:progress:pending"


def progress_running_key(user_id: int, course_id: str) -> str:
    """Set while a recalculation runs, so readers can say the value is about to change."""
    return f"user:{user_id}:course:{course_id}:progress:running"


def progress_recent_key(user_id: int, course_id: str) -> str:
    """Set for PROGRESS_RECALC_MIN_INTERVAL_MS once a recalculation starts: later requests wait
    until it expires, so a burst runs about one recalculation per interval."""
    return f"user:{user_id}:course:{course_id}:progress:recent"


# A queued recalculation normally starts within seconds; the marker expires anyway so a lost
# message can only delay coalesced requests this long.
PENDING_TTL_SECONDS = 120
RUNNING_TTL_SECONDS = 60
