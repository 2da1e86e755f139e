"""Ctrl-C on `make run` stops every process within STOP_TIMEOUT, the Redis it started last; with
Redis gone, within Flower's few seconds and with every process exiting cleanly."""
from __future__ import annotations

import os
import re
import shutil
import socket
import time

import pytest

from scripts.supervisord_conf import FLOWER_STOP_SECONDS
from tests.conftest import wait_until
from tests.ops.stack import PrivateRedis, Stack, alive, free_ports

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (make test installs it as root)")

STOP_TIMEOUT = 10


def _group_members(pgids: set[int]) -> list[int]:
    """Live processes in any of these process groups."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) in pgids and alive(int(entry)):
                    members.append(int(entry))
            except ProcessLookupError:
                pass
    return members


def _interrupted(stack: Stack, pgids: set[int], *, timeout: float) -> float:
    """Ctrl-C to the stack; seconds until every process of its groups is gone."""
    pressed = time.monotonic()
    stack.interrupt()
    stack.process.wait(timeout=timeout)
    wait_until(lambda: not _group_members(pgids), timeout=timeout)
    return time.monotonic() - pressed


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_ctrl_c_stops_every_process_within_stop_timeout_and_the_started_redis_last(
        tmp_path_factory, capsys):
    # Nothing listens on this port, so scripts/run runs a redis-server under supervisord.
    redis_port = free_ports(1)[0]
    stack = Stack(tmp_path_factory.mktemp("stop"), redis_port=redis_port,
                  STOP_TIMEOUT=str(STOP_TIMEOUT))
    try:
        stack.first_line(r"LMS progress service is running \(API healthy\)", timeout=120)
        status = stack.ctl("status")
        for program in ("redis", "lms:api", "lms:beat", "lms:flower"):
            assert re.search(rf"^{program}\s+RUNNING", status, re.M), status
        pids = stack.process_pids()
        # make, scripts/run, supervisord, and each program in a process group of its own.
        assert len(pids) >= 7, pids
        pgids = {os.getpgid(pid) for pid in pids}
        ports = (stack.api_port, stack.flower_port, redis_port)
        assert all(_listening(port) for port in ports)

        elapsed = _interrupted(stack, pgids, timeout=STOP_TIMEOUT + 10)
    finally:
        stack.stop()
    assert elapsed < STOP_TIMEOUT, f"stopping took {elapsed:.1f}s"
    assert not [pid for pid in pids if alive(pid)]
    assert not any(_listening(port) for port in ports)
    log = stack.log_path.read_text()
    stopped = {name: log.find(f"stopped: {name} (") for name in ("api", "beat", "flower", "redis")}
    assert all(at > 0 for at in stopped.values()), log[-3000:]
    assert stopped["redis"] > max(stopped["api"], stopped["beat"], stopped["flower"])
    with capsys.disabled():
        print(f"\nCtrl-C -> every process of make run gone: {elapsed:.1f} s "
              f"(STOP_TIMEOUT={STOP_TIMEOUT}, {len(pids)} processes)")


def test_ctrl_c_with_redis_gone_stops_every_process_in_seconds_and_beat_cleanly(
        tmp_path_factory, capsys):
    redis_server = PrivateRedis(free_ports(1)[0], tmp_path_factory.mktemp("redis"))
    redis_server.start()
    stop_timeout = 30  # far above what a clean stop takes: the time measured is the stack's own
    stack = Stack(tmp_path_factory.mktemp("stop-no-redis"), redis_port=redis_server.port,
                  STOP_TIMEOUT=str(stop_timeout))
    try:
        stack.first_line(r"LMS progress service is running \(API healthy\)", timeout=120)
        pids = stack.process_pids()
        pgids = {os.getpgid(pid) for pid in pids}
        redis_server.kill()
        # Long enough for Flower to be retrying its broadcasts and beat its lock.
        time.sleep(8)
        elapsed = _interrupted(stack, pgids, timeout=stop_timeout + 10)
    finally:
        stack.stop()
        redis_server.stop()
    log = stack.log_path.read_text()
    # Before: beat ended with a traceback (its lock could not be released) and exit status 1,
    # and Flower waited out STOP_TIMEOUT for SIGKILL.
    assert re.search(r"stopped: beat \(exit status 0\)", log), log[-3000:]
    assert re.search(r"stopped: api \(exit status 0\)", log), log[-3000:]
    assert elapsed < FLOWER_STOP_SECONDS + 5, f"stopping took {elapsed:.1f}s"  # 5 s to wind down
    with capsys.disabled():
        print(f"\nCtrl-C with Redis gone -> every process of make run gone: {elapsed:.1f} s "
              f"(STOP_TIMEOUT={stop_timeout})")
