"""`make bench-budget`: the round trips each hot request costs, counted (not timed).

Requests go through the whole Django stack (middleware, token authentication, throttles, the
view) in this process, against a private redis-server and the embedded MongoDB (or MONGODB_URI).
Every packed send to Redis is one round trip (a pipeline is one); MongoDB operations are counted
by name; SQL queries by Django's connection. The tasks an accepted attempt causes are then taken
off the broker and run here one by one, through Celery's own tracer (the signals that settle the
outbox and record metrics run as in a worker), and counted the same way.

BENCH_TRACE=1 lists the commands of every Redis round trip. Exits 1 when a budget is exceeded.
"""
from __future__ import annotations

import json
import os
import secrets
import sys
import threading
from collections import Counter as Tally
from contextlib import contextmanager

from bench.redis_server import private_redis

WORKDIR, REDIS_URL, REDIS_PROCESS = private_redis("bench-budget-")
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL.rsplit("/", 1)[0] + "/1",
    "DATABASE_URL": f"sqlite:///{WORKDIR}/bench.sqlite3",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
})
TRACE = os.environ.get("BENCH_TRACE") == "1"

import warnings  # noqa: E402

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from config.mongo import mongo_indexes_ensure  # noqa: E402
from config.redis import redis_client  # noqa: E402
from learning.services import profile_upsert  # noqa: E402

MONGO_READS = ("find", "find_one", "aggregate", "count_documents", "distinct")
MONGO_WRITES = ("insert_one", "insert_many", "update_one", "update_many", "replace_one",
                "delete_one", "delete_many", "find_one_and_update", "bulk_write")


class RoundTrips:
    """Counts Redis round trips and MongoDB operations made by this thread while enabled."""

    def __init__(self) -> None:
        self.enabled = False
        self.redis: list[str] = []
        self.mongo: Tally = Tally()
        self.mongo_log: list[str] = []

    def install(self) -> None:
        import redis.connection

        counter, main = self, threading.main_thread()
        depth = threading.local()
        original_send = redis.connection.AbstractConnection.send_packed_command

        def send(self, command, check_health=True):
            if counter.enabled and threading.current_thread() is main:
                counter.redis.append(_commands(command))
            return original_send(self, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send
        collection = _mongo_collection_class()
        for name in MONGO_READS + MONGO_WRITES:
            original = getattr(collection, name)

            def wrapped(self, *args, _original=original, _name=name, **kwargs):
                # Only the outermost call: the embedded store implements some operations with
                # others (find_one_and_update calls find_one), one operation on a server.
                outermost = not getattr(depth, "inside", False)
                if outermost and counter.enabled and threading.current_thread() is main:
                    counter.mongo[_name] += 1
                    counter.mongo_log.append(f"{_name} {self.name} {str(args[:1])[:80]}")
                depth.inside = True
                try:
                    return _original(self, *args, **kwargs)
                finally:
                    if outermost:
                        depth.inside = False

            setattr(collection, name, wrapped)

    @contextmanager
    def counting(self):
        self.redis, self.mongo, self.mongo_log = [], Tally(), []
        self.enabled = True
        try:
            yield self
        finally:
            self.enabled = False


def _mongo_collection_class():
    from django.conf import settings

    if settings.MONGODB_URI:
        import pymongo.collection

        return pymongo.collection.Collection
    import mongomock_ng.collection

    return mongomock_ng.collection.Collection


def _commands(packed) -> str:
    """The command names in one packed send (RESP arrays), for the trace."""
    raw = b"".join(packed) if isinstance(packed, list) else packed
    names, parts = [], raw.split(b"\r\n")
    for index, part in enumerate(parts):
        if part.startswith(b"*") and index + 2 < len(parts):
            names.append(parts[index + 2].decode(errors="replace").upper())
    return " ".join(names)


def _user(username: str, *, staff: bool = False) -> tuple[int, Client]:
    user = get_user_model().objects.create_user(username=username, password="bench-pass-1",
                                                is_staff=staff)
    profile_upsert(user_id=user.pk, display_name=username.title())
    token = Token.objects.create(user=user).key
    return user.pk, Client(HTTP_AUTHORIZATION=f"Token {token}")


def _json(response) -> dict:
    return json.loads(response.content or b"{}")


def broker_tasks() -> list[tuple[str, dict, list, dict]]:
    """Take every message waiting on the broker's queues: (task name, headers, args, kwargs)."""
    from config.task_names import QUEUES

    client = redis_client_broker()
    taken = []
    for queue in QUEUES:
        while (raw := client.rpop(queue)) is not None:
            message = json.loads(raw)
            args, kwargs, _embed = json.loads(_body(message))
            taken.append((message["headers"]["task"], message["headers"], args, kwargs))
    return taken


def _body(message: dict) -> bytes:
    import base64

    body = message["body"]
    return base64.b64decode(body) if message["properties"].get("body_encoding") == "base64" else body


def redis_client_broker():
    import redis

    return redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])


def run_tasks(counter: RoundTrips) -> tuple[int, int, Tally, list[str]]:
    """Run what the broker holds (and what those tasks queue) here, counting their round trips."""
    runs, redis_trips, mongo, traced = 0, 0, Tally(), []
    while pending := broker_tasks():
        for name, headers, args, kwargs in pending:
            task = celery_app.tasks[name]
            with counter.counting():
                # apply() runs the task through Celery's tracer: prerun/success/postrun signals.
                task.apply(args=args, kwargs=kwargs, headers=headers, task_id=headers["id"])
            runs += 1
            redis_trips += len(counter.redis)
            mongo.update(counter.mongo)
            traced += [f"{name}: {trip}" for trip in counter.redis]
    return runs, redis_trips, mongo, traced


def main() -> int:
    counter = RoundTrips()
    counter.install()
    celery_app.loader.import_default_modules()  # registers the tasks, as a worker does
    call_command("migrate", verbosity=0)
    mongo_indexes_ensure()
    _, staff = _user("staff", staff=True)
    me_id, me = _user("learner")
    response = staff.post("/api/v1/courses/", {
        "title": "Budget", "slug": "budget", "unlock_mode": "open", "published": True,
        "sections": [{"title": "S", "lessons": [{"title": "L", "items": [
            {"title": "Video", "kind": "video"},
            {"title": "Quiz", "kind": "quiz", "questions": [
                {"prompt": "2+2?", "choices": ["3", "4"], "answer": 1, "marks": 5}]}]}]}]},
        content_type="application/json")
    assert response.status_code == 201, response.content
    course = _json(response)
    course_id = course["id"]
    video, quiz = (item["id"] for item in course["sections"][0]["lessons"][0]["items"])
    base = f"/api/v1/courses/{course_id}/"
    assert me.post(base + "enroll/").status_code == 201
    run_tasks(counter)  # what the set-up queued

    rows, failures = [], 0

    def measure(label: str, call, expect: int, redis_goal: int | None, mongo_goal: int | None,
                sql_goal: int | None) -> None:
        nonlocal failures
        with CaptureQueriesContext(connection) as queries, counter.counting():
            response = call()
        assert response.status_code == expect, (label, response.status_code, response.content)
        reads = sum(counter.mongo[name] for name in MONGO_READS)
        writes = sum(counter.mongo[name] for name in MONGO_WRITES)
        rows.append((label, len(counter.redis), reads, writes, len(queries)))
        if TRACE:
            for trip in counter.redis:
                print(f"  {label}: {trip}")
            for query in queries:
                print(f"  {label}: SQL {query['sql'][:100]}")
            for operation in counter.mongo_log:
                print(f"  {label}: MongoDB {operation}")
        for what, value, goal in (("redis_round_trips", len(counter.redis), redis_goal),
                                  ("mongodb_reads", reads, mongo_goal),
                                  ("sql_queries", len(queries), sql_goal)):
            if goal is not None:
                ok = value <= goal
                failures += not ok
                targets.append(f"target: {label.replace(' ', '_')}_{what} = {value} "
                               f"(goal <= {goal}) {'PASS' if ok else 'FAIL'}")

    targets: list[str] = []
    # Warm: the token check and the progress are cached after the first read.
    me.get(base + "progress/")
    run_tasks(counter)
    me.get(base + "progress/")
    me.get(base + "leaderboard/me/")  # the board is missing: these queue its build
    me.get(base + "leaderboard/?limit=10")
    run_tasks(counter)
    assert _json(me.get(base + "leaderboard/me/"))["rebuilding"] is False
    # Lua scripts run by SHA: the first call of each after Redis starts loads it (2 more round
    # trips, once). Another learner's attempts load them, so the counts below are every later
    # request's.
    _, warm = _user("warm-up")
    assert warm.post(base + "enroll/").status_code == 201
    for body in ({"content_id": video, "completed": True}, {"content_id": quiz, "answers": [1]}):
        assert warm.post(base + "attempts/", body, content_type="application/json").status_code == 202
        run_tasks(counter)
    measure("progress read (cached)", lambda: me.get(base + "progress/"), 200, 1, 0, 0)
    measure("my rank", lambda: me.get(base + "leaderboard/me/"), 200, 2, 1, 0)
    measure("top-10 page", lambda: me.get(base + "leaderboard/?limit=10"), 200, 2, 1, 0)
    measure("attempt (video)", lambda: me.post(base + "attempts/", {
        "content_id": video, "completed": True}, content_type="application/json"), 202, 4, None,
        0)
    runs, trips, mongo, traced = run_tasks(counter)
    task_rows = [("tasks of the video attempt", trips, runs, mongo)]
    measure("attempt (quiz)", lambda: me.post(base + "attempts/", {
        "content_id": quiz, "answers": [1]}, content_type="application/json"), 202, 4, None, 0)
    quiz_runs, quiz_trips, quiz_mongo, quiz_traced = run_tasks(counter)
    task_rows.append(("tasks of the quiz attempt", quiz_trips, quiz_runs, quiz_mongo))
    if TRACE:
        for line in traced + quiz_traced:
            print(f"  {line}")

    print(f"\nRound trips per request (Redis {REDIS_URL}, MongoDB "
          f"{'server' if os.environ.get('MONGODB_URI') else 'embedded'})\n")
    print(f"{'request':<28} {'Redis':>6} {'Mongo reads':>12} {'Mongo writes':>13} {'SQL':>5}")
    for label, redis_trips, reads, writes, sql in rows:
        print(f"{label:<28} {redis_trips:>6} {reads:>12} {writes:>13} {sql:>5}")
    print(f"\n{'tasks caused':<28} {'Redis':>6} {'task runs':>12} {'Mongo ops':>13}")
    for label, redis_trips, task_runs, ops in task_rows:
        print(f"{label:<28} {redis_trips:>6} {task_runs:>12} {sum(ops.values()):>13}")
        ok = redis_trips <= 12
        failures += not ok
        targets.append(f"target: {label.replace(' ', '_')}_redis_round_trips = {redis_trips} "
                       f"(goal <= 12) {'PASS' if ok else 'FAIL'}")
    print()
    for line in targets:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        code = main()
    finally:
        try:
            redis_client().flushall()
        finally:
            REDIS_PROCESS.terminate()
            REDIS_PROCESS.wait(timeout=10)
            import shutil

            shutil.rmtree(WORKDIR, ignore_errors=True)
    sys.exit(code)
