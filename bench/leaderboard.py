"""`make bench-leaderboard`: "my rank" over real HTTP on 1,000 vs 1,000,000 members, on a group
board, among 500 friends and on the global board; rebuild write throughput against raw pipelined
ZADD, Redis/MongoDB round trips and Redis memory per member.
BENCH_MEMBERS=10000000 runs the big board with ten million members instead (about 10 minutes
and 6 GiB of memory for the benchmark process and Redis together).

Runs against a private redis-server started on a free port in BENCH_REDIS_PORTS (default
18200-18299), or against BENCH_REDIS_URL (a Redis DB index it may flush). MongoDB is the embedded
mongomock unless MONGODB_URI is set. Prints a table and one `target:` line per goal; exits 1 if any
target fails.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta

BIG, SMALL = int(os.environ.get("BENCH_MEMBERS", "1000000")), 1_000
BIG_LABEL = f"{BIG // 1_000_000}M" if BIG % 1_000_000 == 0 else f"{BIG:,}"
# Best of three rebuild runs on a million members; one run when there are more (minutes each).
REBUILD_RUNS = 3 if BIG <= 1_000_000 else 1
GROUP_BIG, GROUP_SMALL, FRIENDS, GLOBAL_COURSES = 10_000, 100, 500, 1_000
MONGO_PHASE_MEMBERS = int(os.environ.get("BENCH_MONGO_MEMBERS", "20000"))
ROUNDS, PER_ROUND, WARMUP = 20, 50, 200


# --- Environment (before Django loads settings) -----------------------------------------------

def _free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit(f"no free port in {first}-{last} for the private redis-server")


def _redis_start(workdir: str) -> tuple[str, subprocess.Popen | None]:
    """A private redis-server (no persistence) unless BENCH_REDIS_URL names one to use."""
    if os.environ.get("BENCH_REDIS_URL"):
        return os.environ["BENCH_REDIS_URL"], None
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server not found: install it (apt-get install redis-server) "
                         "or set BENCH_REDIS_URL to a Redis DB index the benchmark may flush")
    first, last = (int(p) for p in os.environ.get("BENCH_REDIS_PORTS", "18200-18299").split("-"))
    port = _free_port(first, last)
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir, "--maxmemory-policy", "noeviction"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return f"redis://127.0.0.1:{port}/0", process
        time.sleep(0.05)
    process.terminate()
    raise SystemExit(f"redis-server did not start on port {port}")


WORKDIR = tempfile.mkdtemp(prefix="bench-leaderboard-")
REDIS_URL, REDIS_PROCESS = _redis_start(WORKDIR)
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL.rsplit("/", 1)[0] + "/15",
    "DATABASE_URL": f"sqlite:///{WORKDIR}/bench.sqlite3",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "SECURE_SSL_REDIRECT": "0",  # the bench calls its own server over plain HTTP
    "LOG_LEVEL": "WARNING",
})

import warnings  # noqa: E402

import django  # noqa: E402

# whitenoise warns that collectstatic never ran; the benchmark serves no static files.
warnings.filterwarnings("ignore", message="No directory at")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from config.redis import redis_client  # noqa: E402
from leaderboard import keys  # noqa: E402
from leaderboard import selectors as lb_selectors  # noqa: E402
from leaderboard import services as lb_services  # noqa: E402
from leaderboard.aggregation import scores_aggregate  # noqa: E402
from leaderboard.documents import LeaderboardGroup, LeaderboardGroupMember  # noqa: E402
from leaderboard.global_board import global_share_write  # noqa: E402
from leaderboard.scoring import ALL_TIME, EPOCH, GLOBAL_SCALE, composite_encode  # noqa: E402
from learning.documents import (  # noqa: E402
    ContentAttempt,
    Enrollment,
    LearnerProfile,
    learner_course_key,
)
from learning.selectors import profiles_get_many  # noqa: E402
from learning.services import profile_upsert  # noqa: E402


class PingView(APIView):
    """The framework floor: token authentication and a JSON body, nothing else."""

    def get(self, request):
        return Response({"ok": True, "user_id": request.user.pk})


urlpatterns = [path("bench/ping/", PingView.as_view()), path("", include("config.urls"))]


# --- Counting round trips -----------------------------------------------------------------------

class Counter:
    """Counts Redis round trips (one per packed send) and MongoDB operations while enabled."""

    def __init__(self) -> None:
        self.redis = self.mongo = 0
        self.enabled = False

    def install(self) -> None:
        import mongomock_ng.collection
        import redis.connection

        counter = self
        original_send = redis.connection.AbstractConnection.send_packed_command

        def send(self, command, check_health=True):
            if counter.enabled and threading.current_thread() is threading.main_thread():
                counter.redis += 1
            return original_send(self, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send
        for name in ("find", "find_one", "aggregate", "count_documents"):
            original = getattr(mongomock_ng.collection.Collection, name)

            def wrapped(self, *args, _original=original, **kwargs):
                if counter.enabled and threading.current_thread() is threading.main_thread():
                    counter.mongo += 1
                return _original(self, *args, **kwargs)

            setattr(mongomock_ng.collection.Collection, name, wrapped)

    def measure(self, fn) -> tuple[int, int]:
        """Round trips of a call in the steady state: a first call loads the Lua script it runs
        (EVALSHA, NOSCRIPT, SCRIPT LOAD: 2 more round trips once per Redis start)."""
        fn()
        self.redis = self.mongo = 0
        self.enabled = True
        try:
            fn()
        finally:
            self.enabled = False
        return self.redis, self.mongo


# --- HTTP ---------------------------------------------------------------------------------------

class QuietHandler(WSGIRequestHandler):
    def setup(self) -> None:
        super().setup()
        # Without it, Nagle + delayed ACK add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args) -> None:
        pass


def server_start() -> tuple[ThreadedWSGIServer, int]:
    settings.ROOT_URLCONF = __name__
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class Client:
    """One keep-alive HTTP connection with a token, as a mobile or web client would hold."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port)
        self.connection.connect()
        self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def call(self, method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
        self.connection.request(method, url, body=json.dumps(body) if body is not None else None,
                                headers=self.headers)
        response = self.connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def _user(username: str, *, staff: bool = False) -> tuple[int, str]:
    user = get_user_model().objects.create_user(username=username, password="bench-pass-1",
                                                is_staff=staff)
    profile_upsert(user_id=user.pk, display_name=username.title())
    return user.pk, Token.objects.create(user=user).key


def _course(staff: Client, slug: str) -> tuple[str, str]:
    status, body = staff.call("POST", "/api/v1/courses/", {
        "title": slug, "slug": slug, "unlock_mode": "open", "published": True,
        "sections": [{"title": "S", "lessons": [{"title": "L", "items": [
            {"title": "Project", "kind": "assignment", "max_marks": 1000}]}]}]})
    assert status == 201, body
    return body["id"], body["sections"][0]["lessons"][0]["items"][0]["id"]


# --- Phases -------------------------------------------------------------------------------------

def _scores(members: int, me: int, rng: random.Random) -> dict[int, tuple]:
    """Synthetic scores; `me` sits in the middle of the board."""
    scores = {10_000_000 + i: (rng.randrange(0, 100_000), EPOCH + timedelta(seconds=rng.randrange(0, 10**8)))
              for i in range(members - 1)}
    scores[me] = (50_000, EPOCH + timedelta(days=900))
    return scores


def rebuild_write(course_id: str, scores: dict) -> float:
    """The rebuild's Redis phase (encode, pipelined ZADD batches into the temp key, RENAME)."""
    floor = lb_services.redis_clock()
    started = time.perf_counter()
    lb_services._board_write(redis_client(), course_id, ALL_TIME, scores, floor, None)
    return time.perf_counter() - started


def raw_zadd(pairs: list[tuple[str, int]]) -> float:
    """Raw pipelined ZADD of pre-encoded pairs in the same batches: the throughput ceiling."""
    # UNLINK frees a big sorted set in the background; DEL of 10M members blocks Redis for seconds.
    client, key = redis_client(), "bench:raw-zadd"
    client.unlink(key)
    batch = settings.LEADERBOARD_REBUILD_BATCH
    started = time.perf_counter()
    pipe = client.pipeline(transaction=False)
    for start in range(0, len(pairs), batch):
        pipe.zadd(key, dict(pairs[start:start + batch]))
        if len(pipe) >= 10:
            pipe.execute()
    pipe.execute()
    elapsed = time.perf_counter() - started
    client.unlink(key)
    return elapsed


def mongo_phase(course_id: str, item_id: str, members: int) -> float:
    from bson import ObjectId

    rng = random.Random(7)
    docs = [{"user_id": 20_000_000 + u, "course_id": ObjectId(course_id), "item_id": ObjectId(item_id),
             "kind": "assignment", "marks": float(rng.randrange(0, 1000)), "completed": False,
             "answers": [], "submitted_at": EPOCH + timedelta(seconds=u)} for u in range(members)]
    collection = ContentAttempt._get_collection()
    for start in range(0, len(docs), 10_000):
        collection.insert_many(docs[start:start + 10_000])
    started = time.perf_counter()
    result = scores_aggregate(course_id=course_id, window=ALL_TIME)
    elapsed = time.perf_counter() - started
    assert len(result) == members
    return elapsed


def group_board(course_id: str, scores: dict, me: int, size: int) -> str:
    """A group of `size` learners of the course (me among them) and its all-time board."""
    from bson import ObjectId

    group_id = LeaderboardGroup._get_collection().insert_one(
        {"course_id": ObjectId(course_id), "name": f"bench {size}", "member_count": size}).inserted_id
    LeaderboardGroupMember._get_collection().insert_one(
        {"group_id": group_id, "course_id": ObjectId(course_id), "user_id": me})
    members = [u for u in scores if u != me][:size - 1] + [me]
    lb_services._board_write(redis_client(), course_id, ALL_TIME.of_group(str(group_id)),
                             {u: scores[u] for u in members}, lb_services.redis_clock(), None)
    return str(group_id)


def friends_of(course_id: str, scores: dict, me: int, rng: random.Random) -> str:
    """FRIENDS learners of the board, enrolled in the course: the ?users= value."""
    from bson import ObjectId

    chosen = rng.sample([u for u in scores if u != me], FRIENDS)
    oid = ObjectId(course_id)
    Enrollment._get_collection().insert_many(
        [{"_id": learner_course_key(u, oid), "user_id": u, "course_id": oid, "enrolled_at": EPOCH}
         for u in chosen])
    return ",".join(map(str, chosen))


def global_board(scores: dict, me: int, course_id: str) -> float:
    """The global board with the big board's learners, and my shares in GLOBAL_COURSES courses;
    returns the seconds one UPDATE_LEADERBOARD's global write takes (re-summing those shares)."""
    items = [(u, composite_encode(cents=c, reached_at=r, scale=GLOBAL_SCALE))
             for u, (c, r) in scores.items()]
    lb_services.board_write(redis_client(), keys.GLOBAL_ID, ALL_TIME, items,
                            lb_services.redis_clock(), None, GLOBAL_SCALE)
    redis_client().hset(keys.global_parts_key(me), mapping={
        f"{i:024x}": f"{0:012d}:{0:017d}|{i}|1" for i in range(GLOBAL_COURSES - 1)})
    cents, reached = scores[me]
    clock = lb_services.redis_clock()  # after the board's floor, as a real update's stamp
    started = time.perf_counter()
    written = global_share_write(course_id=course_id, user_id=me, order=f"{1:012d}:{clock:017d}",
                                 clock=clock, score=(cents, reached), hidden=False)
    elapsed = time.perf_counter() - started
    assert written == 1
    return elapsed


def _timed(fn, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat


def latencies(clients: dict[str, tuple[Client, str]]) -> dict[str, list[float]]:
    """Interleaved rounds so that machine noise hits every endpoint alike."""
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for client, url in clients.values():
        for _ in range(WARMUP):
            status, _body = client.call("GET", url)
            assert status == 200, (url, status, _body)
    for _ in range(ROUNDS):
        for name, (client, url) in clients.items():
            for _ in range(PER_ROUND):
                started = time.perf_counter()
                client.call("GET", url)
                samples[name].append(time.perf_counter() - started)
    return samples


def main() -> int:
    counter = Counter()
    counter.install()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    server, port = server_start()
    rng = random.Random(42)
    try:
        staff_id, staff_token = _user("staff", staff=True)
        me_id, me_token = _user("learner")
        staff = Client(port, staff_token)
        me = Client(port, me_token)
        small_id, _ = _course(staff, "bench-small")
        big_id, _ = _course(staff, "bench-big")
        mongo_id, mongo_item = _course(staff, "bench-mongo")
        for course_id in (small_id, big_id):
            assert me.call("POST", f"/api/v1/courses/{course_id}/enroll/")[0] == 201

        # Rebuild: the Redis write phase against raw pipelined ZADD, same data, same run.
        big_scores = _scores(BIG, me_id, rng)
        pairs = [(str(u), composite_encode(cents=c, reached_at=r)) for u, (c, r) in big_scores.items()]
        raw_runs, write_runs = [], []
        for _ in range(REBUILD_RUNS):  # interleaved, best of each: noise hits both alike
            raw_runs.append(raw_zadd(pairs))
            write_runs.append(rebuild_write(big_id, big_scores))
        raw_s, write_s = min(raw_runs), min(write_runs)
        del pairs
        small_scores = _scores(SMALL, me_id, rng)
        rebuild_write(small_id, small_scores)
        # Profiles of the learners around "me", read by `_id` (embedded mode answers those from its
        # dict); the hydration row reads them again among 1,000 more.
        for scores in (big_scores, small_scores):
            ranked = sorted(scores, key=lambda u: (scores[u][0], -scores[u][1].timestamp()), reverse=True)
            at = ranked.index(me_id)
            for user_id in ranked[max(at - 2, 0):at + 3]:
                if user_id != me_id:
                    profile_upsert(user_id=user_id, display_name=f"Learner {user_id}")
        client = redis_client()
        assert client.zcard(keys.board_key(big_id)) == BIG and client.zcard(keys.board_key(small_id)) == SMALL
        group_big = group_board(big_id, big_scores, me_id, GROUP_BIG)
        group_small = group_board(small_id, small_scores, me_id, GROUP_SMALL)
        friends_big = friends_of(big_id, big_scores, me_id, rng)
        friends_small = friends_of(small_id, small_scores, me_id, rng)
        global_write_s = global_board(big_scores, me_id, big_id)
        friends_trips = counter.measure(lambda: lb_selectors.leaderboard_users_me(
            course_id=big_id, user_ids=[int(u) for u in friends_big.split(",")], caller_id=me_id,
            around=2))
        global_trips = counter.measure(lambda: lb_selectors.leaderboard_me(
            course_id=keys.GLOBAL_ID, user_id=me_id, around=2))
        memory = client.memory_usage(keys.board_key(big_id), samples=0)
        mongo_s = mongo_phase(mongo_id, mongo_item, MONGO_PHASE_MEMBERS)

        # Round trips, counted on the calls the views make.
        me_trips = counter.measure(lambda: lb_selectors.leaderboard_me(course_id=big_id, user_id=me_id,
                                                                       around=2))
        page_trips = counter.measure(lambda: lb_selectors.leaderboard_page(course_id=big_id, limit=10,
                                                                           offset=0))

        base = "/api/v1/courses/{}/leaderboard/me/"
        samples = latencies({
            "my rank, 1,000 members": (Client(port, me_token), base.format(small_id)),
            f"my rank, {BIG:,} members": (Client(port, me_token), base.format(big_id)),
            "group of 100 (1,000 course)": (
                Client(port, me_token), base.format(small_id) + f"?group={group_small}"),
            f"group of 10,000 ({BIG:,} course)": (
                Client(port, me_token), base.format(big_id) + f"?group={group_big}"),
            "500 friends (1,000 course)": (
                Client(port, me_token), base.format(small_id) + f"?users={friends_small}"),
            f"500 friends ({BIG:,} course)": (
                Client(port, me_token), base.format(big_id) + f"?users={friends_big}"),
            f"global board, {BIG:,} learners": (
                Client(port, me_token), "/api/v1/leaderboard/me/"),
            "trivial authenticated endpoint": (Client(port, me_token), "/bench/ping/"),
        })
        status, body = me.call("GET", base.format(big_id) + f"?group={group_big}")
        assert status == 200 and body["count"] == GROUP_BIG and body["rank"] is not None, body
        status, body = me.call("GET", base.format(big_id) + f"?users={friends_big}")
        assert status == 200 and body["count"] == FRIENDS + 1 and body["rank"] is not None, body
        status, body = me.call("GET", "/api/v1/leaderboard/me/")
        assert status == 200 and body["count"] == BIG and body["rank"] is not None, body
        status, body = me.call("GET", base.format(big_id))
        assert status == 200 and body["count"] == BIG and body["rank"] is not None
        assert all(entry["display_name"] for entry in body["around"]), body["around"]
        profiles_small = LearnerProfile.objects.count()  # the my-rank figures read 5 of these
        for i in range(1000):
            profile_upsert(user_id=30_000_000 + i, display_name=f"Learner {i}")
        around_ids = [entry["user_id"] for entry in body["around"]]
        hydration = _timed(lambda: profiles_get_many(user_ids=around_ids), 50)
    finally:
        server.shutdown()
        server.server_close()
        try:
            redis_client().flushdb(asynchronous=True)
        finally:
            if REDIS_PROCESS:
                REDIS_PROCESS.terminate()
                REDIS_PROCESS.wait(timeout=10)
            shutil.rmtree(WORKDIR, ignore_errors=True)

    median = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    p95 = {name: statistics.quantiles(values, n=20)[18] * 1000 for name, values in samples.items()}
    print(f"\nLeaderboard benchmark (Redis {REDIS_URL.split('@')[-1]}, MongoDB "
          f"{'server' if settings.MONGODB_URI else 'embedded mongomock'}, {ROUNDS * PER_ROUND} "
          f"requests per endpoint over keep-alive HTTP)\n")
    rows = [(name, f"{median[name]:.2f} ms", f"{p95[name]:.2f} ms") for name in samples]
    print(f"{'GET my rank':<36} {'median':>10} {'p95':>10}")
    for name, med, high in rows:
        print(f"{name:<36} {med:>10} {high:>10}")
    print()
    figures = [
        (f"rebuild {BIG:,} members: raw pipelined ZADD", f"{raw_s:.2f} s ({BIG / raw_s:,.0f} members/s)"),
        (f"rebuild {BIG:,} members: Redis write phase", f"{write_s:.2f} s ({BIG / write_s:,.0f} members/s)"),
        (f"rebuild MongoDB phase, {MONGO_PHASE_MEMBERS:,} members", f"{mongo_s:.2f} s "
         f"({mongo_s / MONGO_PHASE_MEMBERS * 1e6:.0f} µs/member)"),
        ("Redis memory per member (MEMORY USAGE)", f"{memory / BIG:.1f} bytes ({memory / 2**20:.1f} MiB)"),
        (f"profile read, 5 of {profiles_small + 1000} profiles (by _id)",
         f"{hydration * 1000:.2f} ms"),
        ("my rank: Redis round trips / MongoDB reads", f"{me_trips[0]} / {me_trips[1]}"),
        ("top-10 page: Redis round trips / MongoDB reads", f"{page_trips[0]} / {page_trips[1]}"),
        ("500 friends: Redis round trips / MongoDB reads", f"{friends_trips[0]} / {friends_trips[1]}"),
        ("global my rank: Redis round trips / MongoDB reads", f"{global_trips[0]} / {global_trips[1]}"),
        (f"global write, one course of {GLOBAL_COURSES:,} re-summed", f"{global_write_s * 1000:.2f} ms"),
    ]
    for name, value in figures:
        print(f"{name:<58} {value}")
    print()

    ratio_size = median[f"my rank, {BIG:,} members"] / median["my rank, 1,000 members"]
    ratio_floor = median[f"my rank, {BIG:,} members"] / median["trivial authenticated endpoint"]
    write_share = raw_s / write_s
    trivial = median["trivial authenticated endpoint"]
    targets = [
        (f"my_rank_latency_{BIG_LABEL}_vs_1k", ratio_size, "<=", 1.3),
        (f"group_my_rank_10k_in_{BIG_LABEL}_vs_100_in_1k",
         median[f"group of 10,000 ({BIG:,} course)"] / median["group of 100 (1,000 course)"], "<=", 1.3),
        ("group_my_rank_vs_trivial_endpoint",
         median[f"group of 10,000 ({BIG:,} course)"] / trivial, "<=", 2.0),
        (f"friends_my_rank_{BIG_LABEL}_vs_1k",
         median[f"500 friends ({BIG:,} course)"] / median["500 friends (1,000 course)"], "<=", 1.3),
        ("friends_my_rank_vs_trivial_endpoint",
         median[f"500 friends ({BIG:,} course)"] / trivial, "<=", 2.0),
        (f"global_my_rank_{BIG_LABEL}_vs_course_1k",
         median[f"global board, {BIG:,} learners"] / median["my rank, 1,000 members"], "<=", 1.3),
        ("global_my_rank_vs_trivial_endpoint",
         median[f"global board, {BIG:,} learners"] / trivial, "<=", 2.0),
        ("friends_redis_round_trips", friends_trips[0], "==", 1),
        ("global_my_rank_redis_round_trips", global_trips[0], "==", 1),
        ("my_rank_vs_trivial_endpoint", ratio_floor, "<=", 2.0),
        ("rebuild_write_vs_raw_zadd_throughput", write_share, ">=", 0.5),
        ("my_rank_redis_round_trips", me_trips[0], "==", 1),
        ("top_n_redis_round_trips", page_trips[0], "==", 1),
        ("top_n_mongodb_reads", page_trips[1], "<=", 1),
    ]
    failed = 0
    for name, value, op, goal in targets:
        ok = {"<=": value <= goal, ">=": value >= goal, "==": value == goal}[op]
        failed += not ok
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"target: {name} = {shown} (goal {op} {goal}) {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
