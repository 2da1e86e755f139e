#!/usr/bin/env python3
"""Drive a running service like a client app would: a course, learners, attempts, then watch
progress and the leaderboard update as the workers catch up. Standard library only.

    make run                       # in one terminal
    python3 scripts/demo.py        # in another (see --help for the URL and logins)
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path


class ApiError(RuntimeError):
    """An HTTP answer the demo did not expect."""


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None,
         expect: tuple[int, ...] = (200, 201, 202)) -> dict:
    """One JSON request; raise ApiError with the server's message on an unexpected status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    if status not in expect:
        raise ApiError(f"{method} {path} answered {status}: {payload[:500].decode(errors='replace')}")
    return json.loads(payload) if payload else {}


def course_payload(slug: str) -> dict:
    return {
        "title": "Intro to Python", "slug": slug, "unlock_mode": "sequential", "published": True,
        "sections": [{"title": "Basics", "lessons": [{"title": "Variables", "items": [
            {"title": "Watch: variables", "kind": "video"},
            {"title": "Quiz 1", "kind": "quiz", "pass_marks": 6, "questions": [
                {"prompt": "2+2?", "choices": ["3", "4"], "answer": 1, "marks": 5},
                {"prompt": "type(1)?", "choices": ["int", "str"], "answer": 0, "marks": 5}]},
            {"title": "Homework", "kind": "assignment", "max_marks": 20, "pass_marks": 10}]}]}],
    }


def wait_for(what: str, probe, timeout: float) -> object:
    """Poll probe() until it returns something truthy; report how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        value = probe()
        if value:
            print(f"  {what}: after {time.monotonic() - started:.2f}s")
            return value
        time.sleep(0.1)
    raise ApiError(f"{what}: not seen within {timeout}s")


def _kept_login(user: str | None, name: str) -> str:
    """A login `make run` made and kept under .run/ (RUN_DIR): "user:password", or "" if none."""
    path = Path(os.environ.get("RUN_DIR", Path(__file__).resolve().parent.parent / ".run")) / name
    if not path.is_file():
        return ""
    secret = path.read_text().strip()
    return f"{user}:{secret}" if user else secret


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="API base URL")
    parser.add_argument("--admin", default=_kept_login("admin", "admin-password"),
                        help="staff login user:password (default: the one make run made, "
                             "from .run/admin-password)")
    parser.add_argument("--flower", default="http://127.0.0.1:5555", help="Flower URL ('' to skip)")
    parser.add_argument("--flower-auth", default=_kept_login(None, "flower-login"),
                        help="Flower login user:password (default: .run/flower-login)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for the workers")
    args = parser.parse_args()
    base = args.api.rstrip("/") + "/api/v1"
    user, _, password = args.admin.partition(":")
    run = uuid.uuid4().hex[:6]
    try:
        staff = call(base, "POST", "/auth/token/", {"username": user, "password": password})["token"]
        course = call(base, "POST", "/courses/", course_payload(f"demo-{run}"), staff)
        cid = course["id"]
        video, quiz, homework = [i["id"] for i in course["sections"][0]["lessons"][0]["items"]]
        print(f"course {cid} created")
        learners = {}
        for name, display in (("ada", "Ada"), ("bob", "Bob")):
            username = f"{name}-{run}"
            created = call(base, "POST", "/users/", {"username": username, "password": "demo-pass-1",
                                                     "display_name": display}, staff)
            token = call(base, "POST", "/auth/token/", {"username": username, "password": "demo-pass-1"})["token"]
            call(base, "POST", f"/courses/{cid}/enroll/", None, token)
            learners[name] = (created["id"], token)
        ada_id, ada = learners["ada"]
        bob_id, bob = learners["bob"]
        call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": video, "completed": True}, ada)
        call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": quiz, "answers": [1, 0]}, ada)
        call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": homework, "user_id": ada_id, "marks": 17}, staff)
        call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": video, "completed": True}, bob)
        call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": quiz, "answers": [1, 1]}, bob)
        locked = call(base, "POST", f"/courses/{cid}/attempts/", {"content_id": homework, "user_id": bob_id, "marks": 3},
                      bob, expect=(403,))
        print(f"bob may not grade himself: {locked['detail']}")
        print("attempts accepted (202); waiting for the workers:")

        def progress_done():
            body = call(base, "GET", f"/courses/{cid}/progress/", None, ada)
            return body if body["completion_percent"] == 100.0 and not body["pending"] else None

        ada_progress = wait_for("Ada's progress at 100%", progress_done, args.timeout)

        def board_done():
            body = call(base, "GET", f"/courses/{cid}/leaderboard/", None, ada)
            return body if [r["score"] for r in body["results"]] == [27, 5] else None

        board = wait_for("leaderboard [Ada 27, Bob 5]", board_done, args.timeout)
        me = call(base, "GET", f"/courses/{cid}/leaderboard/me/", None, bob)
        print(f"Ada: {ada_progress['completion_percent']}% marks {ada_progress['marks_obtained']}/"
              f"{ada_progress['marks_total']}, computed_at {ada_progress['computed_at']}")
        print("leaderboard: " + ", ".join(f"#{r['rank']} {r['display_name']} {r['score']}" for r in board["results"]))
        print(f"Bob's rank: {me['rank']} of {me['count']} with {me['score']} points")
        rebuild = call(base, "POST", f"/courses/{cid}/leaderboard/rebuild/", None, staff, expect=(202,))
        print(f"leaderboard rebuild queued: task {rebuild['task_id']}")
        if args.flower:
            flower_user, _, flower_password = args.flower_auth.partition(":")
            request = urllib.request.Request(args.flower.rstrip("/") + "/api/tasks?limit=200")
            auth = base64.b64encode(f"{flower_user}:{flower_password}".encode()).decode()
            request.add_header("Authorization", f"Basic {auth}")
            wanted = {"RECALCULATE_COURSE", "UPDATE_LEADERBOARD", "REBUILD_LEADERBOARD", "LOG_ACTIVITY"}

            def flower_names():
                with urllib.request.urlopen(request, timeout=10) as response:
                    tasks = json.loads(response.read())
                names = {task.get("name") for task in tasks.values() if task.get("name")}
                return names if wanted <= names else None

            names = wait_for("Flower lists the four task names", flower_names, args.timeout)
            print(f"Flower task names: {', '.join(sorted(names))}")
    except (ApiError, urllib.error.URLError, OSError) as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    print("demo passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
