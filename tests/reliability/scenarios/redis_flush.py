"""Redis loses data under load: the broker DB flushed, both DBs flushed, writes refused for a
while (persistence failing, out of memory), the server restarted empty while attempts arrive. Each ends when
progress and boards equal a fresh computation.

Not collected by the suite: tests/reliability/test_redis_flush.py runs it in a pytest process of
its own on a private redis-server (TEST_REDIS_HOST, DB 0 the cache, DB 1 the broker), since a
flushed broker DB also loses the bindings that the session worker's remote control relies on.
"""
from __future__ import annotations

import os
import shutil
import signal
import time

import pytest
import redis
from django.conf import settings

from config.redis_errors import RedisWritesRefused
from tests.conftest import wait_until
from tests.reliability.conftest import PrivateRedis
from tests.reliability.faults import fleet_make

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


@pytest.fixture
def fleet(celery_worker, staff_client, make_user, client_for, settings):
    settings.OUTBOX_REDELIVER_SECONDS = 0  # lost work is due for the sweep at once
    fleet = fleet_make(staff_client=staff_client, make_user=make_user, client_for=client_for)
    fleet.drive(9)
    return fleet


def test_the_broker_db_flushed_mid_load_converges(fleet):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    fleet.drive(9)
    fleet.converge("broker DB flushed mid-load", timeout=30)


def test_both_dbs_flushed_mid_load_converge(fleet):
    fleet.drive(3)
    redis.Redis.from_url(settings.REDIS_URL).flushall()
    fleet.drive(9)
    fleet.converge("cache and broker DBs flushed (FLUSHALL) mid-load", timeout=30)


def _load_while_refused(fleet) -> None:
    """Attempts and reads for 3 s while Redis refuses writes: every attempt accepted, no read
    answered 500 (a 503 asks the client to retry)."""
    fleet.drive(6)
    fleet.read()
    time.sleep(3)  # the worker meets the refusal as well
    fleet.drive(3)
    fleet.read()
    assert fleet.statuses["attempt 202"] == 18, fleet.statuses
    assert set(fleet.statuses) <= {"attempt 202", "read 200", "read 503"}, fleet.statuses


def test_redis_refusing_writes_mid_load_answers_and_converges(fleet):
    """Persistence failing (a full disk, say): Redis refuses every write, the broker's BRPOP
    included (MISCONF), until the operator fixes it. Nothing answers 500, the worker waits
    instead of dying, and everything converges once writes are allowed again."""
    client = redis.Redis(port=int(os.environ["FLUSH_REDIS_PORT"]))
    shutil.rmtree(os.environ["FLUSH_REDIS_DIR"])  # where the snapshot would go is gone
    client.config_set("save", "3600 1")
    client.bgsave()
    wait_until(lambda: client.info("persistence")["rdb_last_bgsave_status"] == "err", timeout=10)
    with pytest.raises(RedisWritesRefused):
        client.set("probe", 1)
    _load_while_refused(fleet)
    client.config_set("save", "")  # the operator's fix: writes are allowed again
    fleet.converge("Redis refused writes (MISCONF) for 3 s mid-load", timeout=90)


def test_redis_out_of_memory_mid_load_answers_and_converges(fleet):
    """Redis at its memory limit under `noeviction` refuses every write that could grow it
    (OOM), publishes and the worker's bookkeeping included, until memory is freed."""
    client = redis.Redis(port=int(os.environ["FLUSH_REDIS_PORT"]))
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 1)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("probe", 1)
    _load_while_refused(fleet)
    client.config_set("maxmemory", 0)  # the operator's fix
    fleet.converge("Redis out of memory (OOM) for 3 s mid-load", timeout=90)


def test_redis_restarted_empty_while_attempts_arrive_converges(fleet):
    port, pid = int(os.environ["FLUSH_REDIS_PORT"]), int(os.environ["FLUSH_REDIS_PID"])
    os.kill(pid, signal.SIGKILL)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def down() -> bool:
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            return True
        return False

    wait_until(down, timeout=10)
    went_down = time.monotonic()
    fleet.drive(6)  # stored in MongoDB; their work parked in the outbox
    assert fleet.statuses["attempt 202"] == 15, fleet.statuses
    time.sleep(max(0.0, went_down + 3 - time.monotonic()))
    PrivateRedis(port).start()  # a new, empty server on the same port
    fleet.drive(3)
    fleet.converge("Redis down 3 s (restarted empty) while attempts arrive", timeout=90)
