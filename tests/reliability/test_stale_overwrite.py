"""An older progress computation that finishes last never replaces a newer one."""
from __future__ import annotations

import json

import pytest
import redis
from bson import ObjectId
from django.conf import settings

from learning.documents import ContentAttempt
from learning.selectors import course_outline_get
from learning.services import course_create, enrollment_create
from learning.summaries import attempt_summary_record
from progress.documents import CourseProgress
from progress.keys import progress_cache_key, progress_running_key, progress_seq_key
from progress.services import (
    progress_cache_set,
    progress_computation_save,
    progress_compute,
    progress_payload,
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
    attempt_summary_record(attempt=attempt)  # stored as the API stores it, without queueing


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
    assert old.seq < new.seq
    assert (old.result.completed_items, new.result.completed_items) == (1, 2)

    assert progress_computation_save(computation=new)["completed_items"] == 2  # B stores first
    assert progress_computation_save(computation=old) == {}  # A finishes last: refused

    doc, cached = _stored(user_id, cid)
    assert (doc["seq"], doc["completed_items"], doc["completed_item_ids"]) == (new.seq, 2, [video, article])
    assert (cached["seq"], cached["completed_items"]) == (new.seq, 2)
    # Nothing is left marked running by the refused computation.
    assert not redis.Redis.from_url(settings.REDIS_URL).exists(progress_running_key(user_id, cid))


def test_an_old_cache_write_arriving_after_a_newer_one_is_refused(learner_course):
    user_id, cid, (video, _quiz1, _homework, article, _quiz2) = learner_course
    _complete(user_id, cid, video, "video")
    old = progress_compute(user_id=user_id, course_id=cid)
    _complete(user_id, cid, article, "article")
    new = progress_compute(user_id=user_id, course_id=cid)
    # A stores in MongoDB before B, but A's cache write is the one delayed past B's.
    stored_old = progress_store(user_id=user_id, course_id=cid, result=old.result, seq=old.seq,
                                outline_version=old.outline_version, computed_at=old.computed_at)
    stored_new = progress_store(user_id=user_id, course_id=cid, result=new.result, seq=new.seq,
                                outline_version=new.outline_version, computed_at=new.computed_at)
    assert progress_cache_set(user_id=user_id, course_id=cid, payload=progress_payload(stored_new)) is True
    assert progress_cache_set(user_id=user_id, course_id=cid, payload=progress_payload(stored_old)) is False

    doc, cached = _stored(user_id, cid)
    assert (doc["seq"], doc["completed_items"]) == (new.seq, 2)
    assert (cached["seq"], cached["completed_items"]) == (new.seq, 2)


def test_a_newer_payload_cached_by_an_earlier_release_still_wins(learner_course):
    """Earlier releases cached the payload without `seq` in front; the guard still reads it."""
    user_id, cid, (video, *_rest) = learner_course
    _complete(user_id, cid, video, "video")
    old = progress_recalculate(user_id=user_id, course_id=cid)
    cache = redis.Redis.from_url(settings.REDIS_URL)
    newer = {**old, "seq": old["seq"] + 5}
    cache.set(progress_cache_key(user_id, cid), json.dumps(dict(sorted(newer.items()))))
    assert progress_cache_set(user_id=user_id, course_id=cid, payload=old) is False
    assert json.loads(cache.get(progress_cache_key(user_id, cid)))["seq"] == old["seq"] + 5
    assert progress_cache_set(user_id=user_id, course_id=cid, payload={**old, "seq": old["seq"] + 6}) is True
    assert cache.get(progress_cache_key(user_id, cid)).startswith(b'{"seq": ')


def test_progress_is_stored_again_after_redis_lost_the_order_numbers(learner_course):
    """A Redis restart without persistence resets the seq counter below the stored seq."""
    user_id, cid, (video, _quiz1, _homework, article, _quiz2) = learner_course
    _complete(user_id, cid, video, "video")
    for _ in range(3):
        first = progress_recalculate(user_id=user_id, course_id=cid)
    redis.Redis.from_url(settings.REDIS_URL).delete(progress_seq_key(user_id, cid),
                                                    progress_cache_key(user_id, cid))
    _complete(user_id, cid, article, "article")
    after = progress_recalculate(user_id=user_id, course_id=cid)
    assert after["seq"] > first["seq"]
    doc, cached = _stored(user_id, cid)
    assert (doc["seq"], doc["completed_items"]) == (after["seq"], 2)
    assert (cached["seq"], cached["completed_items"]) == (after["seq"], 2)
