"""What every fault scenario shares: learners making attempts through the API, and convergence
to a fresh computation from MongoDB (flows.consistency), timed and printed."""
from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings

from config.celery import app as celery_app
from config.task_names import SWEEP_PENDING_WORK
from flows.consistency import ConsistencyReport, consistency_check
from tests.factories import item_ids, python_course_payload

# Items a learner can attempt in the open python course (index in course order) and a body.
_LEARNER_ITEMS = {0: lambda rng: {"completed": True},
                  1: lambda rng: {"answers": [rng.randint(0, 1), rng.randint(0, 1)]},
                  3: lambda rng: {"completed": True},
                  4: lambda rng: {"answers": [rng.randint(0, 1)]}}


@dataclass
class Fleet:
    """A course, its learners (API clients) and what they were answered."""

    course: dict
    learners: list  # (user, client)
    staff_client: object
    statuses: Counter = field(default_factory=Counter)
    rng: random.Random = field(default_factory=lambda: random.Random(11))

    @property
    def course_id(self) -> str:
        return self.course["id"]

    def drive(self, count: int) -> None:
        """`count` attempts, round robin over the learners, each on a random item; the homework
        is graded by staff now and then."""
        ids = item_ids(self.course)
        for number in range(count):
            user, client = self.learners[number % len(self.learners)]
            if number % 5 == 4:
                client, body = self.staff_client, {"content_id": ids[2], "user_id": user.pk,
                                                    "marks": self.rng.randint(5, 20)}
            else:
                index = self.rng.choice(list(_LEARNER_ITEMS))
                body = {"content_id": ids[index], **_LEARNER_ITEMS[index](self.rng)}
            response = client.post(f"/api/v1/courses/{self.course_id}/attempts/", body,
                                   format="json")
            self.statuses[f"attempt {response.status_code}"] += 1

    def read(self) -> None:
        """What learners do meanwhile: read progress and both boards (a missing board gets
        rebuilt by a worker on its first read)."""
        for _user, client in self.learners:
            for path in ("progress/", "leaderboard/", "leaderboard/?window=week", "leaderboard/me/"):
                response = client.get(f"/api/v1/courses/{self.course_id}/{path}")
                self.statuses[f"read {response.status_code}"] += 1

    def converge(self, fault: str, *, timeout: float = 60, sweep_every: float = 1.0) -> float:
        """Until every learner's progress and every board equal a fresh computation: read as
        learners do and send the sweep as beat does (every `sweep_every` s). Prints and returns
        the seconds it took."""
        started = time.monotonic()
        last_sweep = 0.0
        report = ConsistencyReport()
        while time.monotonic() - started < timeout:
            if time.monotonic() - last_sweep >= sweep_every:
                celery_app.send_task(SWEEP_PENDING_WORK)
                last_sweep = time.monotonic()
            self.read()
            report = consistency_check(course_ids=[self.course_id])
            if report.ok:
                seconds = time.monotonic() - started
                print(f"\n[fault] {fault}: converged in {seconds:.2f}s; "
                      f"{report.learners} learners, {report.boards} boards; "
                      f"answers meanwhile {dict(sorted(self.statuses.items()))}")
                return seconds
            time.sleep(0.2)
        pytest.fail(f"{fault}: no convergence within {timeout}s: {report.as_dict()}")


def fleet_make(*, staff_client, make_user, client_for, learners: int = 3) -> Fleet:
    """An open course with `learners` enrolled learners."""
    response = staff_client.post("/api/v1/courses/", python_course_payload(unlock_mode="open"),
                                 format="json")
    assert response.status_code == 201, response.content
    course = response.json()
    fleet = Fleet(course, [], staff_client)
    for number in range(learners):
        user = make_user(f"learner{number}")
        client = client_for(user)
        assert client.post(f"/api/v1/courses/{course['id']}/enroll/").status_code == 201
        fleet.learners.append((user, client))
    return fleet


def queues_delete() -> int:
    """Every queued and unacknowledged message gone, as a broker that lost them (the queues'
    lists and kombu's unacked hash deleted); returns how many keys existed."""
    import redis

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    names = [queue.name for queue in celery_app.conf.task_queues] + ["unacked", "unacked_index"]
    return broker.delete(*names)
