"""schemathesis against the served application: `manage.py serve` in a process of its own, with
its in-process Celery worker, production settings (DEBUG off) and a private Redis, called over a
real socket.

Besides schema-derived data, schemathesis fuzz dictionaries mix in the edge values of
tests/fuzz/edges.py, which generators rarely reach on their own: weeks and dates at the ends of
the calendar, numbers in non-ASCII digits, moments before year 1000; a hook sends JSON bodies
under every charset Python knows, text encodings or not. Each operation runs
property-based, then a stateful run follows the links schemathesis infers between operations
(an id a response returns is used by the next call). No answer may be a 5xx, and every answer
must match the schema.

API_SERVED_FUZZ_EXAMPLES (default 15) sets the examples per operation and
API_SERVED_FUZZ_COVERAGE=1 adds schemathesis's coverage phase: together, a deeper search for a
nightly run (e.g. API_SERVED_FUZZ_EXAMPLES=200 API_SERVED_FUZZ_COVERAGE=1).
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import schemathesis
import schemathesis.engine
import schemathesis.hooks
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, StopReason
from schemathesis.engine.events import (
    EngineFinished,
    FatalError,
    NonFatalError,
    PhaseFinished,
    PhaseStarted,
    ScenarioFinished,
)

from tests.factories import item_ids, python_course_payload
from tests.fuzz.edges import DATES, MOMENTS, NOT_TEXT_ENCODINGS, NUMBERS, TEXT_ENCODINGS, WEEKS
from tests.ops.stack import DROPPED, ROOT, PrivateRedis, free_ports

EXAMPLES = int(os.environ.get("API_SERVED_FUZZ_EXAMPLES", "15"))
# The coverage phase (schema boundaries, every method) takes a minute here and the in-process
# run in test_schemathesis.py already does it; API_SERVED_FUZZ_COVERAGE=1 adds it to this run.
COVERAGE = os.environ.get("API_SERVED_FUZZ_COVERAGE") == "1"
ADMIN_PASSWORD = "served-admin-passphrase-7"
LEARNER_PASSWORD = "served-learner-passphrase-7"


def _toml_list(values: list) -> str:
    return json.dumps(values, ensure_ascii=False)


def _config(course_id: str, items: list[str]) -> SchemathesisConfig:
    """Generation settings, with the seeded ids as dictionaries so half the calls hit real data."""
    return SchemathesisConfig.from_str(f"""
workers = 1
request-timeout = 30

[cache]
enabled = false

[generation]
max-examples = {EXAMPLES}
# The API ignores query parameters it does not know (docs/api.md).
allow-extra-parameters = false

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
content_type_conformance.enabled = true
response_headers_conformance.enabled = true
response_schema_conformance.enabled = true
negative_data_rejection.enabled = true
# schemathesis's refusals, and 413: a list over its maxItems can be a body over the size limit,
# which the parser refuses before the list is counted (413 `payload_too_large`).
negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "405", "406", "409",
                                             "413", "415", "422", "428", "429", "5xx"]

[phases.coverage]
enabled = {str(COVERAGE).lower()}

[phases.stateful]
max-steps = 8

[dictionaries.weeks]
values = {_toml_list(WEEKS)}
[dictionaries.dates]
values = {_toml_list(DATES)}
[dictionaries.numbers]
values = {_toml_list(NUMBERS)}
[dictionaries.moments]
values = {_toml_list(MOMENTS)}
[dictionaries.course]
values = {_toml_list([course_id])}
[dictionaries.items]
values = {_toml_list(items)}

[parameters]
"query.week" = {{ dictionary = "weeks", probability = 0.5 }}
"query.from" = {{ dictionary = "dates", probability = 0.5 }}
"query.to" = {{ dictionary = "dates", probability = 0.5 }}
"path.user_id" = {{ dictionary = "numbers", probability = 0.5 }}
"path.course_id" = {{ dictionary = "course", probability = 0.5 }}
"body.content_id" = {{ dictionary = "items", probability = 0.5 }}
"body.due_at" = {{ dictionary = "moments", probability = 0.5 }}
"body.sections[*].lessons[*].items[*].due_at" = {{ dictionary = "moments", probability = 0.5 }}

[[operations]]
include-operation-id = ["courses_create", "courses_update", "courses_partial_update"]
generation.max-examples = {max(EXAMPLES // 3, 5)}
phases.coverage.enabled = false
""")


@dataclass
class Served:
    base: str
    tokens: dict[str, str]
    course_id: str
    items: list[str]
    user_ids: dict[str, int]  # admin, learner, and a spare user that calls may erase
    log: Path

    def spare_token(self) -> str:
        """A fresh token of the spare user, for calls that revoke the token they carry."""
        answer = requests.post(f"{self.base}/api/v1/auth/token/", timeout=10,
                               json={"username": "carol", "password": LEARNER_PASSWORD})
        return answer.json().get("token", "") if answer.status_code == 200 else ""


def _wait_until_healthy(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"manage.py serve exited; see {log}:\n{log.read_text()[-3000:]}"
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"manage.py serve did not answer /healthz within 60 s; see {log}")


def _seed(base: str) -> tuple[dict[str, str], str, list[str], int]:
    """Through the API itself: the admin's token, a learner, a course, an enrollment, an attempt."""
    def token(username: str, password: str) -> str:
        answer = requests.post(f"{base}/api/v1/auth/token/", timeout=10,
                               json={"username": username, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]

    staff = token("admin", ADMIN_PASSWORD)
    as_staff = {"Authorization": f"Token {staff}"}
    learner = requests.post(f"{base}/api/v1/users/", headers=as_staff, timeout=10, json={
        "username": "ada", "password": LEARNER_PASSWORD, "display_name": "Ada"})
    assert learner.status_code == 201, learner.text
    course = requests.post(f"{base}/api/v1/courses/", headers=as_staff, timeout=10,
                           json=python_course_payload())
    assert course.status_code == 201, course.text
    course_id, items = course.json()["id"], item_ids(course.json())
    ada = token("ada", LEARNER_PASSWORD)
    as_ada = {"Authorization": f"Token {ada}"}
    assert requests.post(f"{base}/api/v1/courses/{course_id}/enroll/", headers=as_ada,
                         timeout=10).status_code == 201
    attempt = requests.post(f"{base}/api/v1/courses/{course_id}/attempts/", headers=as_ada,
                            timeout=10, json={"content_id": items[0], "completed": True})
    assert attempt.status_code == 202, attempt.text
    spare = requests.post(f"{base}/api/v1/users/", headers=as_staff, timeout=10, json={
        "username": "carol", "password": LEARNER_PASSWORD, "display_name": "Carol"})
    assert spare.status_code == 201, spare.text
    ids = {"admin": 1, "learner": learner.json()["id"], "spare": spare.json()["id"]}
    return {"staff": staff, "learner": ada}, course_id, items, ids


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    """`manage.py serve` on a free port, as a person trying the service runs it, but DEBUG off."""
    workdir = tmp_path_factory.mktemp("served")
    redis_port, api_port = free_ports(2)
    redis_server = PrivateRedis(redis_port, workdir)
    redis_server.start()
    env = {key: value for key, value in os.environ.items()
           if key not in (*DROPPED, "PROMETHEUS_MULTIPROC_DIR") and not key.startswith("TEST_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64), "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "REDIS_URL": redis_server_url(redis_port, 0), "CELERY_BROKER_URL": redis_server_url(redis_port, 1),
        "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "PYTHONUNBUFFERED": "1",
        # Limits would answer most generated calls with 429 before they reach the code under test.
        **{name: "100000/m" for name in ("THROTTLE_LOGIN_USERNAME", "THROTTLE_LOGIN_ADDRESS",
                                         "THROTTLE_ATTEMPTS", "THROTTLE_FRESH_PROGRESS",
                                         "THROTTLE_USER_CREATE")},
    })
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--noinput", "-v0"], ["ensure_superuser"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=120)
    log = workdir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(manage + ["serve", "--port", str(api_port),
                                             "--worker-concurrency", "1"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{api_port}"
    try:
        _wait_until_healthy(base, process, log)
        tokens, course_id, items, user_ids = _seed(base)
        yield Served(base=base, tokens=tokens, course_id=course_id, items=items,
                     user_ids=user_ids, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        redis_server.stop()


def redis_server_url(port: int, db: int) -> str:
    return f"redis://127.0.0.1:{port}/{db}"


def _with_charset(case, charset: str | None):
    if charset is not None:
        case.headers = {**(case.headers or {}),
                        "Content-Type": f"application/json; charset={charset}"}
    return case


def _role(case) -> str:
    """Staff or learner, picked from the request itself so a failing case replays as the same user."""
    sent = repr((case.path_parameters, case.query, case.body)).encode()
    return ("staff", "learner")[zlib.crc32(sent) % 2]


def _failures(events) -> list[str]:
    """Each failed check as text (operation, check, message, curl), and engine errors."""
    found = []
    for event in events:
        if isinstance(event, NonFatalError | FatalError):
            found.append(f"{getattr(event, 'label', '')}: {event.info.format()}")
        if not isinstance(event, ScenarioFinished) or event.status != Status.FAILURE:
            continue
        recorder = event.recorder
        for checks in recorder.checks.values():
            for check in checks:
                if check.failure_info is None:
                    continue
                sample = check.failure_info.code_sample
                failure = check.failure_info.failure
                found.append(f"[{event.phase.name}] {recorder.label}: {check.name}: "
                             f"{failure.title}: {getattr(failure, 'message', '')}\n    "
                             f"{sample[:3000] + ' ...' if len(sample) > 3000 else sample}")
    return found


def test_every_served_operation_answers_within_its_schema_and_never_with_a_5xx(served):
    """All of schemathesis's phases: the schema's examples, boundary coverage, fuzzing (valid
    and invalid data) and stateful sequences over inferred links."""
    loaded = schemathesis.openapi.from_url(
        f"{served.base}/api/schema/",
        config=_config(served.course_id, served.items))

    @loaded.hook
    def flatmap_case(context, case):
        """A JSON body's Content-Type sometimes names another charset, now and then one that
        is no text encoding at all."""
        if case.media_type != "application/json":
            return st.just(case)
        charset = st.one_of(st.none(), st.sampled_from(TEXT_ENCODINGS),
                            st.sampled_from(NOT_TEXT_ENCODINGS))
        return charset.map(lambda name: _with_charset(case, name))

    def before_call(context, case, kwargs):
        """Every call, in every phase, as staff or as the learner; calls that would revoke
        their token or erase one of these two act on the spare user instead."""
        if case.operation.schema is not loaded:
            return
        token = served.tokens[_role(case)]
        if case.operation.label == "DELETE /api/v1/auth/token/":
            token = served.spare_token()
        user_id = (case.path_parameters or {}).get("user_id")
        if case.method.upper() == "DELETE" and isinstance(user_id, str) and user_id.isascii() \
                and user_id.isdigit() and int(user_id) in (served.user_ids["admin"],
                                                          served.user_ids["learner"]):
            case.path_parameters = {**case.path_parameters, "user_id": str(served.user_ids["spare"])}
        case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}

    schemathesis.hook(before_call)  # schemathesis has this hook only globally
    try:
        events = list(schemathesis.engine.from_schema(loaded).execute())
    finally:
        schemathesis.hooks.unregister(before_call)

    started, links = {}, None
    for event in events:
        if isinstance(event, PhaseStarted):
            started[event.phase.name] = event.timestamp
            links = event.payload or links
        if isinstance(event, PhaseFinished):
            took = event.timestamp - started.get(event.phase.name, event.timestamp)
            print(f"{event.phase.name}: {event.status} in {took:.1f} s")  # noqa: T201 (-s shows it)
    failures = _failures(events)
    assert not failures, "\n".join(failures) + f"\n(server log: {served.log})"
    finished = [e for e in events if isinstance(e, EngineFinished)]
    assert finished and finished[0].stop_reason == StopReason.COMPLETED
    # The stateful phase had links to follow (inferred from the schema and the responses).
    print(f"stateful links: {links}")  # noqa: T201
    assert links is not None and links.transitions_selected > 0


def test_a_nul_in_the_content_type_gets_400_over_the_socket(served):
    with socket.create_connection(("127.0.0.1", int(served.base.rsplit(":", 1)[1])), timeout=10) as conn:
        conn.sendall(b"POST /api/v1/courses/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json; charset=utf-8\x00\r\nContent-Length: 2\r\n"
                     b"Connection: close\r\n\r\n{}")
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer[:300]
    assert json.loads(body)["code"] == "bad_request"
