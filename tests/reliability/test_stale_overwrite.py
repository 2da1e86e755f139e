"""An older progress computation that finishes last never replaces a newer one."""
from __future__ import annotations

import json

import pytest
import redis
from bson import ObjectId
from django.conf import settings

from flows.enrollments import enrollment_create
from learning.documents import ContentAttempt
from learning.selectors import course_outline_get
from learning.services import attempt_summary_merge, course_create
from progress.documents import CourseProgress
from progress.keys import progress_cache_key, progress_running_key
from progress.selectors import progress_payload
from progress.services import (
    progress_cache_set,
    progress_computation_save,
    progress_compute,
    progress_recalculate,
    progress_store,
)
from tests.factories import python_course_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_course(make_user, staff, progress_queue_paused):
    """A learner enrolled in an open five-item course; the worker takes no progress messages."""
    course = course_create(data=python_course_payload(unlock_mode="open"), created_by=staff.pk)
    ada = make_user("ada")
    enrollment_create(user=ada, course_id=str(course.id))
    return ada.pk, str(course.id), [i.id for i in course_outline_get(course_id=course.id).items()]


def _complete(user_id: int, course_id: str, item_id: str, kind: str) -> None:
    attempt = ContentAttempt(user_id=user_id, course_id=ObjectId(course_id), item_id=ObjectId(item_id),
                             kind=kind, completed=True)
    attempt.save()
    attempt_summary_merge(attempt=attempt)  # stored as the API stores it, without queueing


def _stored(user_id: int, course_id: str) -> tuple[dict, dict]:
    doc = CourseProgress._get_collection().find_one({"user_id": user_id,
                                                     "course_id": ObjectId(course_id)})
    cached = json.loads(redis.Redis.from_url(settings.REDIS_URL).get(progress_cache_key(user_id, course_id)))
    return doc, cached


def test_a_slow_old_computation_finishing_last_changes_neither_mongodb_nor_the_cache(learner_course):
    user_id, cid, (video, _quiz1, _homework, article, _quiz2) = learner_course
    _complete(user_id, cid, video, "video")
    old = progress_compute(user_id=user_id, course_id=cid)  # A: slow, sees one item done
    _complete(user_id, cid, article, "article")
    new = progress_compute(user_id=user_id, course_id=cid)  # B: started later, sees two
    assert old.order < new.order and old.version < new.version
    assert (old.result.completed_items, new.result.completed_items) == (1, 2)

    assert progress_computation_save(computation=new)["completed_items"] == 2  # B stores first
    assert progress_computation_save(computation=old) == {}  # A finishes last: refused

    doc, cached = _stored(user_id, cid)
    assert (doc["order"], doc["completed_items"], doc["completed_item_ids"]) == (new.order, 2, [video, article])
    assert (cached["order"], cached["completed_items"]) == (new.order, 2)
    # Nothing is left marked running by the refused computation.
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(progress_running_key(user_id, cid))


def test_an_old_cache_write_arriving_after_a_newer_one_is_refused(learner_course):
    user_id, cid, (video, _quiz1, _homework, article, _quiz2) = learner_course
    _complete(user_id, cid, video, "video")
    old = progress_compute(user_id=user_id, course_id=cid)
    _complete(user_id, cid, article, "article")
    new = progress_compute(user_id=user_id, course_id=cid)
    # A stores in MongoDB before B, but A's cache write is the one delayed past B's.
    stored_old = progress_store(user_id=user_id, course_id=cid, result=old.result, version=old.version,
                                outline_version=old.outline.version, computed_at=old.computed_at)
    stored_new = progress_store(user_id=user_id, course_id=cid, result=new.result, version=new.version,
                                outline_version=new.outline.version, computed_at=new.computed_at)
    new_payload = progress_payload(stored_new, outline=new.outline)
    old_payload = progress_payload(stored_old, outline=old.outline)
    assert progress_cache_set(user_id=user_id, course_id=cid, payload=new_payload) is True
    assert progress_cache_set(user_id=user_id, course_id=cid, payload=old_payload) is False

    doc, cached = _stored(user_id, cid)
    assert (doc["order"], doc["completed_items"]) == (new.order, 2)
    assert (cached["order"], cached["completed_items"]) == (new.order, 2)


def test_after_redis_loses_everything_the_next_computation_is_stored_not_frozen(learner_course):
    """The ordering lives in MongoDB: a flushed cache DB (or a new, empty Redis) restarts
    nothing, so the first computation after it stores, and the read shows it."""
    user_id, cid, (video, _quiz1, _homework, article, _quiz2) = learner_course
    _complete(user_id, cid, video, "video")
    for _ in range(3):
        progress_recalculate(user_id=user_id, course_id=cid)
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    _complete(user_id, cid, article, "article")
    assert progress_recalculate(user_id=user_id, course_id=cid)["completed_items"] == 2
    doc, cached = _stored(user_id, cid)
    assert doc["completed_items"] == cached["completed_items"] == 2
