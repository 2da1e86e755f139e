"""Reads behind the admin's corrections pages: override changes, resets, erasures, the archive."""
from __future__ import annotations

from mongoengine.queryset.visitor import Q

from backoffice.selectors import _by_user, _oid, user_id_searched
from learning.correction_documents import ArchivedAttempt, CourseReset, MarkOverride, UserErasure


def override_change_search(*, query: str, course_id: str | None, action: str | None):
    """Every recorded override change, newest first; the search matches the learner or item id."""
    qs = MarkOverride.objects
    if query and _oid(query):
        qs = qs.filter(item_id=_oid(query))
    else:
        qs = _by_user(qs, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if action:
        qs = qs.filter(action=action)
    return qs.order_by("-changed_at", "-revision")


def reset_search(*, query: str, course_id: str | None, status: str | None):
    """Course resets, newest first."""
    qs = _by_user(CourseReset.objects, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if status == "pending":
        qs = qs.filter(followup_pending=True)
    elif status == "done":
        qs = qs.filter(followup_pending__ne=True)
    return qs.order_by("-reset_at")


def erasure_search(*, query: str, status: str | None):
    """User erasures, newest first; the search matches the erased user's id."""
    qs = UserErasure.objects
    if (user_id := user_id_searched(query)) is not None:
        qs = qs.filter(id=user_id)
    elif query:
        qs = qs.filter(id=None)  # erased users have no name left to search by
    if status == "open":
        qs = qs.filter(open=True)
    elif status == "closed":
        qs = qs.filter(open__ne=True)
    return qs.order_by("-requested_at")


def archived_attempt_search(*, query: str, course_id: str | None, archived_by: str | None):
    """Archived attempts, most recently archived first; an id searched matches the reset, the
    item or the attempt."""
    qs = ArchivedAttempt.objects
    if query and _oid(query):
        qs = qs.filter(Q(reset_id=_oid(query)) | Q(item_id=_oid(query)) | Q(id=_oid(query)))
    else:
        qs = _by_user(qs, query)
    if course_id:
        qs = qs.filter(course_id=_oid(course_id))
    if archived_by:
        qs = qs.filter(archived_by=archived_by)
    return qs.order_by("-archived_at", "-submitted_at")


def learner_corrections(*, user_id: int, course_id) -> tuple[list[MarkOverride], list[CourseReset]]:
    """A learner's override changes and resets in one course, newest first (detail pages)."""
    oid = _oid(str(course_id))
    changes = list(MarkOverride.objects(user_id=user_id, course_id=oid)
                   .order_by("-changed_at", "-revision").limit(50))
    resets = list(CourseReset.objects(user_id=user_id, course_id=oid).order_by("-reset_at").limit(20))
    return changes, resets
