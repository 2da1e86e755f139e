"""Writes of the learning domain: courses, learners, enrollments, attempts and their summaries.

Only the catalogue's own records: what follows from them (progress, boards, activity) is
queued by the flows (flows/), which call these services first.
"""
from __future__ import annotations

from learning.services.attempts import (
    GradedAttempt,
    attempt_followup_done,
    attempt_grade,
    attempt_slot_take,
    attempt_store,
    attempt_summary_merge,
)
from learning.services.courses import course_create, course_fanout_done, course_update
from learning.services.enrollments import enrollment_store
from learning.services.learners import password_check, profile_upsert, user_create

__all__ = [
    "GradedAttempt", "attempt_followup_done", "attempt_grade", "attempt_slot_take",
    "attempt_store", "attempt_summary_merge", "course_create", "course_fanout_done",
    "course_update", "enrollment_store", "password_check",
    "profile_upsert", "user_create",
]
