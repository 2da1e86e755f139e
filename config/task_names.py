"""Every Celery task's name (the seed's job names) and its queue: the one home of both.

The task decorators, CELERY_TASK_ROUTES, the task signals and every dispatch use these
constants, so a task is renamed or moved to another queue in one place.
"""
from __future__ import annotations

# Per-attempt work; the sweep too, so it never waits behind a long rebuild.
RECALCULATE_COURSE = "RECALCULATE_COURSE"
RECALCULATE_COURSE_ALL = "RECALCULATE_COURSE_ALL"
RECALCULATE_COURSE_BATCH = "RECALCULATE_COURSE_BATCH"
UPDATE_LEADERBOARD = "UPDATE_LEADERBOARD"
SWEEP_PENDING_WORK = "SWEEP_PENDING_WORK"
# Whole-board work, on its own queue so it never starves per-attempt work.
REBUILD_LEADERBOARD = "REBUILD_LEADERBOARD"
REBUILD_ALL_LEADERBOARDS = "REBUILD_ALL_LEADERBOARDS"
PREBUILD_WEEKLY_BOARDS = "PREBUILD_WEEKLY_BOARDS"
REVEAL_DUE_MARKS = "REVEAL_DUE_MARKS"
CHECK_LEADERBOARD_DRIFT = "CHECK_LEADERBOARD_DRIFT"
ARCHIVE_LEADERBOARDS = "ARCHIVE_LEADERBOARDS"
# Analytics events.
LOG_ACTIVITY = "LOG_ACTIVITY"
# Integrations: events stored and fanned out, then each delivery, on a queue of their own so a
# slow endpoint never holds up the others' work.
RECORD_EVENT = "RECORD_EVENT"
DELIVER_WEBHOOK = "DELIVER_WEBHOOK"
DELIVER_DUE_WEBHOOKS = "DELIVER_DUE_WEBHOOKS"

QUEUES = ("progress", "rebuild", "analytics", "celery", "webhooks")

TASK_QUEUES = {
    RECALCULATE_COURSE: "progress",
    RECALCULATE_COURSE_ALL: "progress",
    RECALCULATE_COURSE_BATCH: "progress",
    UPDATE_LEADERBOARD: "progress",
    SWEEP_PENDING_WORK: "progress",
    REBUILD_LEADERBOARD: "rebuild",
    REBUILD_ALL_LEADERBOARDS: "rebuild",
    PREBUILD_WEEKLY_BOARDS: "rebuild",
    REVEAL_DUE_MARKS: "rebuild",
    CHECK_LEADERBOARD_DRIFT: "rebuild",
    ARCHIVE_LEADERBOARDS: "rebuild",
    LOG_ACTIVITY: "analytics",
    RECORD_EVENT: "webhooks",
    DELIVER_WEBHOOK: "webhooks",
    DELIVER_DUE_WEBHOOKS: "webhooks",
}
