"""The pending sweep (beat, every PENDING_SWEEP_SECONDS): finish what anything cut short.

Each step is independent and idempotent, so one failing step never stops the others and a
repeat changes nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from config.dispatch import outbox_sweep
from flows.attempts import attempt_followups_repair
from flows.corrections import override_followups_repair, reset_followups_repair
from flows.courses import course_fanouts_repair
from flows.enrollments import enrollment_followups_repair
from flows.erasure import erasures_repair
from leaderboard.group_services import group_followups_repair
from leaderboard.privacy import visibility_followups_repair
from progress.services import (
    progress_completion_announce,
    progress_completions_unannounced,
    progress_pass_announce,
    progress_passes_unannounced,
)

logger = logging.getLogger(__name__)

# A cause younger than this may still be in the hands of the request that stored it.
GRACE_SECONDS = 30


def completions_announce(*, limit: int = 1000) -> int:
    """Announce completions whose announcement a dead process (or a lost task) left undone."""
    older_than = timezone.now() - timedelta(seconds=GRACE_SECONDS)
    found = progress_completions_unannounced(older_than=older_than, limit=limit)
    for user_id, course_id, completed_at in found:
        progress_completion_announce(user_id=user_id, course_id=course_id, completed_at=completed_at)
    return len(found)


def passes_announce(*, limit: int = 1000) -> int:
    """Announce first passing grades whose announcement a dead process left undone."""
    older_than = timezone.now() - timedelta(seconds=GRACE_SECONDS)
    found = progress_passes_unannounced(older_than=older_than, limit=limit)
    for user_id, course_id, passed_at, grade_percent in found:
        progress_pass_announce(user_id=user_id, course_id=course_id, passed_at=passed_at,
                               grade_percent=grade_percent)
    return len(found)


STEPS: dict[str, Callable[[], int]] = {
    # Causes first: they write outbox entries, which the outbox step then publishes if due.
    "attempts_repaired": lambda: attempt_followups_repair(older_than_seconds=GRACE_SECONDS),
    "enrollments_repaired": lambda: enrollment_followups_repair(older_than_seconds=GRACE_SECONDS),
    "fanouts_repaired": lambda: course_fanouts_repair(older_than_seconds=GRACE_SECONDS),
    "overrides_repaired": lambda: override_followups_repair(older_than_seconds=GRACE_SECONDS),
    "resets_repaired": lambda: reset_followups_repair(older_than_seconds=GRACE_SECONDS),
    "erasures_repaired": lambda: erasures_repair(older_than_seconds=GRACE_SECONDS),
    "visibility_repaired": lambda: visibility_followups_repair(older_than_seconds=GRACE_SECONDS),
    "groups_repaired": lambda: group_followups_repair(older_than_seconds=GRACE_SECONDS),
    "completions_announced": completions_announce,
    "passes_announced": passes_announce,
    "requeued": outbox_sweep,
}


def pending_sweep() -> dict[str, int]:
    """Run every step; a step whose store is down counts -1 and the next sweep tries again."""
    done = {}
    for name, step in STEPS.items():
        try:
            done[name] = step()
        except (PyMongoError, RedisError) as exc:
            logger.warning("sweep step %s failed, the next sweep tries again: %s", name, exc)
            done[name] = -1
    return done
