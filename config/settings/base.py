"""Settings for every environment, read from environment variables with safe local defaults.

Each key is set once, here; config.settings.test (and deployments' own modules) build on it.
"""
from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config import task_names
from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _mongodb_uri_database(uri: str | None) -> str | None:
    """The database name in a MongoDB URI's path, if any."""
    if not uri:
        return None
    from pymongo.uri_parser import parse_uri

    try:
        return parse_uri(uri, validate=False)["database"]
    except Exception as exc:  # noqa: BLE001 - reported as a configuration error
        raise ImproperlyConfigured(f"MONGODB_URI is not a valid MongoDB URI: {exc}") from exc


# Values the examples ship with; a deployment that kept one has not set its secrets.
PLACEHOLDER_MARK = "change-me"
SECRET_KEY_MIN_LENGTH = 50


def _secret_key(*, debug: bool) -> str:
    """SECRET_KEY from the environment; with DEBUG off, a long one that is not an example's."""
    key = env_str("SECRET_KEY") or ""
    if debug and not key:
        return "insecure-local-development-key-do-not-use-in-production"
    if not debug and (len(key) < SECRET_KEY_MIN_LENGTH or PLACEHOLDER_MARK in key.lower()):
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set to a random value of at least {SECRET_KEY_MIN_LENGTH} "
            "characters when DEBUG is off (not the example's placeholder). Generate one: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'")
    return key


# --- Django -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = _secret_key(debug=DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin app with our site (backoffice.site.LmsAdminSite): it adds the MongoDB pages.
    "backoffice.apps.LmsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI from the project's own static files, not from a CDN.
    "drf_spectacular_sidecar",
    "corsheaders",
    "learning",
    "progress",
    "leaderboard",
    "analytics",
    "integrations",
    "flows",
    "api",
    "backoffice",
]

MIDDLEWARE = [
    # First, so every log line of the request (errors included) carries its id.
    "config.request_id.RequestIdMiddleware",
    # Outside the rest, so the latency covers every other middleware too.
    "config.middleware.RequestMetricsMiddleware",
    # Before anything that answers early, so even errors carry the CORS headers browsers need.
    "corsheaders.middleware.CorsMiddleware",
    # Oversize bodies get a 413 JSON answer before anything reads them; errors under /api/ are
    # JSON. Inside the request metrics, so refused requests are still counted.
    "api.errors.ApiErrorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and the dashboard's static files when DEBUG is off (no CDN, no nginx).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# The relational database holds only users, tokens, sessions and the admin log.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's standard validators, on every path that sets a password (API, commands, start-up).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# API tokens expire this long after they were issued (0: never).
AUTH_TOKEN_TTL_SECONDS = env_int("AUTH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
# How long a process trusts a token it has checked before asking the SQL database again: a
# revocation made through another process, a deactivated or demoted user, takes that long.
AUTH_TOKEN_CACHE_SECONDS = env_int("AUTH_TOKEN_CACHE_SECONDS", 30)
# How long a process keeps a learner's access to a course it has checked (hot reads then skip
# MongoDB); an unenrollment made through another process closes reads there that much later.
ACCESS_CACHE_SECONDS = env_int("ACCESS_CACHE_SECONDS", 30)
# How long a process keeps learners' display names and avatars for boards; a profile changed or
# erased through another process shows there that much later.
PROFILE_CACHE_SECONDS = env_int("PROFILE_CACHE_SECONDS", 30)

# --- HTTPS and cookies: on when DEBUG is off, each switchable for a plain-HTTP lab -------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe health and Prometheus scrapes over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (the usual deployment).
SECURE_PROXY_SSL_HEADER = (("HTTP_X_FORWARDED_PROTO", "https")
                           if env_bool("SECURE_PROXY_SSL_HEADER", not DEBUG) else None)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Error reports never show settings holding secrets: the default hides *KEY*, *TOKEN*, *PASS*
# and the like; this also hides connection URLs, which carry passwords.
DEFAULT_EXCEPTION_REPORTER_FILTER = "config.logging.SecretHidingReporterFilter"

# --- Browser clients on other origins (django-cors-headers) ------------------------------------
# Exact origins allowed to call the API from a browser, e.g. https://app.example.com (none by
# default: same-origin only).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "if-match", "x-request-id")
CORS_EXPOSE_HEADERS = ("etag", "retry-after", "x-request-id")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Without `collectstatic` (local runs, tests) whitenoise serves straight from the apps' folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Requests larger than this are refused before any parsing (oversize payloads get a 4xx).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# --- MongoDB: the learning domain ------------------------------------------------------------
MONGODB_URI = env_str("MONGODB_URI") or None
# MONGODB_DB if set, else the database named in MONGODB_URI, else "lms".
MONGODB_DB = env_str("MONGODB_DB") or _mongodb_uri_database(MONGODB_URI) or "lms"
# Embedded mode keeps MongoDB in memory (mongomock); the Celery worker then runs in-process.
MONGODB_EMBEDDED = MONGODB_URI is None

# --- Redis: cache and leaderboards (one connection), broker (another) -------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lms"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 5,
        },
    }
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
# Tasks write their results to MongoDB/Redis themselves; Flower follows them through events.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = tuple(Queue(name) for name in task_names.QUEUES)
CELERY_TASK_ROUTES = {name: {"queue": queue} for name, queue in task_names.TASK_QUEUES.items()}
# Idempotent tasks: acknowledge after running, requeue if the worker process dies.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Task events cost a Redis round trip each (received, started, succeeded): workers send none
# until a monitor asks. Flower asks when it starts and every few seconds while it runs
# (its enable_events option), so it still shows every task. "task-sent" would cost one more
# per publish in the request, and Flower learns of each task from "task-received" anyway.
CELERY_WORKER_SEND_TASK_EVENTS = env_bool("CELERY_WORKER_SEND_TASK_EVENTS", False)
CELERY_TASK_SEND_SENT_EVENT = False
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 900)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that answers with an error (a Redis refusing writes: MISCONF, OOM, READONLY refuse the
# consumer's BRPOP) reconnects like a lost connection, instead of ending the worker for good.
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
# Workers wait out a broker outage however long it lasts (Celery gives up after 100 tries, about
# 47 minutes): the embedded worker is a thread of the API process, which no supervisor restarts.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing fails fast when the broker is down, so the API can record the work as pending.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message from a killed worker comes back after visibility_timeout; it must exceed the
    # longest task (the hard time limit) or healthy long tasks would run twice.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60),
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 5,
    # A publish that timed out may have been pushed already: it is not replayed blindly; the
    # outbox publishes it again. (Also what lets kombu pipeline several publishes.)
    "retry_on_timeout": False,
    # A killed worker's unacked message is restored by the next scan after visibility_timeout;
    # scan every interval (throttle 1) instead of kombu's default of every 10th interval.
    "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
    "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 1),
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env_int("CELERY_PUBLISH_MAX_RETRIES", 2),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# When the broker connection drops, cancel running late-ack tasks: their messages are redelivered
# anyway (they could not be acked), so finishing them would only run them twice (Celery 6 default).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# --- celery beat (one active scheduler: RedBeat's lock) ---------------------------------------
# RedBeat's scheduler, but one that takes its lock back after a Redis outage instead of exiting.
CELERY_BEAT_SCHEDULER = "config.beat.ResilientRedBeatScheduler"
CELERY_REDBEAT_REDIS_URL = env_str("REDBEAT_REDIS_URL", CELERY_BROKER_URL)
CELERY_REDBEAT_LOCK_KEY = "redbeat::lock"
# A Redis that hangs (rather than refusing) must not block beat for ever.
CELERY_REDBEAT_REDIS_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# A standby scheduler retries the lock every loop interval; a crashed one's lock expires after
# the lock timeout (which must exceed the loop interval, the period it is extended by).
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("BEAT_MAX_LOOP_INTERVAL", 10)
CELERY_REDBEAT_LOCK_TIMEOUT = env_int("REDBEAT_LOCK_TIMEOUT", 60)
CELERY_BEAT_SCHEDULE = {
    "rebuild-all-leaderboards-nightly": {
        "task": task_names.REBUILD_ALL_LEADERBOARDS,
        "schedule": crontab(minute=env_str("LEADERBOARD_REBUILD_MINUTE", "30"),
                            hour=env_str("LEADERBOARD_REBUILD_HOUR", "3")),
    },
    "sweep-pending-work": {
        "task": task_names.SWEEP_PENDING_WORK,
        "schedule": env_int("PENDING_SWEEP_SECONDS", 60),
    },
    "prebuild-weekly-boards": {
        "task": task_names.PREBUILD_WEEKLY_BOARDS,
        # hourly; it acts in the hours before a day, week, month or season starts
        "schedule": crontab(minute="15"),
    },
    "reveal-due-marks": {
        "task": task_names.REVEAL_DUE_MARKS,
        "schedule": crontab(minute="*/5"),
    },
    "check-leaderboard-drift": {
        "task": task_names.CHECK_LEADERBOARD_DRIFT,
        "schedule": env_int("LEADERBOARD_DRIFT_SECONDS", 15 * 60),
    },
    "deliver-due-webhooks": {
        "task": task_names.DELIVER_DUE_WEBHOOKS,
        "schedule": env_int("WEBHOOK_SWEEP_SECONDS", 30),
    },
    "archive-leaderboards": {
        "task": task_names.ARCHIVE_LEADERBOARDS,
        "schedule": crontab(minute="45"),  # hourly: finished days, weeks, months, seasons
    },
}

# --- Abuse limits (DRF throttles, counted in the Redis cache; api/throttles.py) ---------------
# "N/s", "N/m", "N/h" or "N/d". Login is limited per username and per client address, staff
# included; a limit hit answers 429 with Retry-After.
THROTTLE_RATES = {
    "login_username": env_str("THROTTLE_LOGIN_USERNAME", "5/m"),
    "login_address": env_str("THROTTLE_LOGIN_ADDRESS", "30/m"),
    "attempts": env_str("THROTTLE_ATTEMPTS", "60/m"),
    "fresh_progress": env_str("THROTTLE_FRESH_PROGRESS", "10/m"),
    "user_create": env_str("THROTTLE_USER_CREATE", "120/h"),
}
# Proxies in front of the service that append to X-Forwarded-For (0: use the peer address).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# --- Django REST framework / OpenAPI ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON only: strict typed fields (a number is a JSON number), bounded size, no NaN/Infinity.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # 0 means the peer address: DRF reads None as "trust the whole X-Forwarded-For", which let
    # any client pick the address its login attempts were counted under.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LMS progress & leaderboards API",
    "DESCRIPTION": "Course progress and live leaderboards computed by background workers. "
                   "Authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token/). "
                   "Every error is JSON with `detail` (a sentence) and `code` (stable, "
                   "machine-readable); validation errors add one entry per field. Client guide: "
                   "docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One component for each choice set used in several places.
    "ENUM_NAME_OVERRIDES": {"RankingEnum": "leaderboard.scoring.RANKING_MODES",
                            "WindowEnum": ["all", "week"]},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "api.openapi.document_object_id_path_parameters"],
}

# --- Progress -----------------------------------------------------------------------------------
PROGRESS_CACHE_TTL = env_int("PROGRESS_CACHE_TTL", 7 * 24 * 3600)
# A burst of attempts for one (learner, course) runs at most one recalculation per interval:
# the first at once, later ones delayed to the end of the interval (so the last attempt is
# always covered). 0 turns the delay off (the pending marker alone still coalesces).
PROGRESS_RECALC_MIN_INTERVAL_MS = env_int("PROGRESS_RECALC_MIN_INTERVAL_MS", 1000)
MAX_QUIZ_QUESTIONS = 200
MAX_COURSE_ITEMS = env_int("MAX_COURSE_ITEMS", 10_000)

# --- Leaderboard --------------------------------------------------------------------------------
LEADERBOARD_DEFAULT_LIMIT = 10
LEADERBOARD_MAX_LIMIT = 100
LEADERBOARD_AROUND = env_int("LEADERBOARD_AROUND", 2)
# Most learners one friends ranking (?users=ID,ID,…) may name.
LEADERBOARD_MAX_USERS = 500
# Most members one group request (create, add, remove) may name.
LEADERBOARD_GROUP_MAX_BATCH = env_int("LEADERBOARD_GROUP_MAX_BATCH", 10_000)
# Rank numbers: "distinct" (1, 2, 3 in board order), "competition" (1, 1, 3) or "dense"
# (1, 1, 2); a course may
# override it (PUT /api/v1/courses/{id}/leaderboard/config/).
LEADERBOARD_RANKING = env_choice("LEADERBOARD_RANKING", "distinct",
                                 ("distinct", "competition", "dense"))
# Weekly boards start at 00:00 UTC on this weekday (0 = Monday ... 6 = Sunday).
LEADERBOARD_WEEK_START = env_int("LEADERBOARD_WEEK_START", 0)
if not 0 <= LEADERBOARD_WEEK_START <= 6:
    raise ImproperlyConfigured("LEADERBOARD_WEEK_START must be 0 (Monday) to 6 (Sunday)")
# Past weeks stay readable this many weeks after they end; then Redis expires them.
LEADERBOARD_WEEKLY_RETENTION_WEEKS = env_int("LEADERBOARD_WEEKLY_RETENTION_WEEKS", 8)
# The same for daily boards (days), monthly boards (months) and seasons (days); finished
# periods are archived in MongoDB and stay readable there after Redis dropped them.
LEADERBOARD_DAILY_RETENTION_DAYS = env_int("LEADERBOARD_DAILY_RETENTION_DAYS", 14)
LEADERBOARD_MONTHLY_RETENTION_MONTHS = env_int("LEADERBOARD_MONTHLY_RETENTION_MONTHS", 3)
LEADERBOARD_SEASON_RETENTION_DAYS = env_int("LEADERBOARD_SEASON_RETENTION_DAYS", 30)
# A finished period is archived this long after it ended (late updates land first); the
# archive keeps the top LEADERBOARD_ARCHIVE_TOP entries and every learner's final rank.
LEADERBOARD_ARCHIVE_GRACE_MINUTES = env_int("LEADERBOARD_ARCHIVE_GRACE_MINUTES", 60)
LEADERBOARD_ARCHIVE_TOP = env_int("LEADERBOARD_ARCHIVE_TOP", 100)
# Members per ZADD when a rebuild writes its temporary key (pipelined, 10 commands per trip).
LEADERBOARD_REBUILD_BATCH = env_int("LEADERBOARD_REBUILD_BATCH", 5000)
# A rebuild holds its lock as a lease, renewed while it runs: a killed rebuild frees the board
# for the next one within this many seconds (the hard time limit still bounds a stuck one).
LEADERBOARD_REBUILD_LEASE_SECONDS = env_int("LEADERBOARD_REBUILD_LEASE_SECONDS", 30)
# Next week's boards are built (empty) this many hours before it starts (PREBUILD_WEEKLY_BOARDS).
LEADERBOARD_PREBUILD_HOURS = env_int("LEADERBOARD_PREBUILD_HOURS", 3)
# Members compared with MongoDB per board and drift check (random members + recent learners).
LEADERBOARD_DRIFT_SAMPLE = env_int("LEADERBOARD_DRIFT_SAMPLE", 200)

# --- Reliability --------------------------------------------------------------------------------
# Derived work waits in the outbox until a run of its task succeeds (config/dispatch.py); the
# sweep publishes it again this long after it was queued, then with a doubling back-off.
OUTBOX_REDELIVER_SECONDS = env_int("OUTBOX_REDELIVER_SECONDS", 120)
OUTBOX_MAX_BACKOFF_SECONDS = env_int("OUTBOX_MAX_BACKOFF_SECONDS", 3600)
# After a failed publish, park work without trying the broker for this long, so a broker
# outage costs one timeout, not one per request. The pending sweep always tries.
BROKER_CIRCUIT_OPEN_SECONDS = env_int("BROKER_CIRCUIT_OPEN_SECONDS", 5)
# A user's erasure stays open this long after it finished: the sweep runs it again meanwhile,
# catching work that was in flight (a task's hard time limit is the bound), then forgets the
# anonymous id (docs/decisions.md, "Erasure").
ERASURE_RECHECK_SECONDS = env_int("ERASURE_RECHECK_SECONDS", 900)

# --- Operations ---------------------------------------------------------------------------------
# Workers stamp a heartbeat in Redis; /readyz fails when the newest is older than the max age.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 60)
# /metrics answers clients from these addresses (CIDR allowed), or any client sending
# `Authorization: Bearer <METRICS_TOKEN>` when a token is set.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env_str("METRICS_TOKEN") or None
# Admin actions link the tasks they queue to Flower: {FLOWER_URL}/task/{task_id}.
FLOWER_URL = env_str("FLOWER_URL", "http://127.0.0.1:5555").rstrip("/")
# Headless Chromium used by `manage.py dashboard_screenshot`.
CHROMIUM_BINARY = env_str("CHROMIUM_BINARY", "/usr/bin/chromium")

# --- Logging: plain lines or JSON, every line tagged with its process and request id -----------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logging.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(process_name)s %(name)s "
                            "[%(request_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(process_name)s %(name)s %(request_id)s "
                           "%(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Learners per batch of the streamed gradebook export (one progress read and one name read each).
GRADEBOOK_BATCH_SIZE = env_int("GRADEBOOK_BATCH_SIZE", 1000)

# --- Integrations: signed webhooks and xAPI statements (docs/integrations.md) ---------------------
# Refuse webhook URLs on loopback, link-local and private addresses unless this is on.
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = float(env_str("WEBHOOK_CONNECT_TIMEOUT_SECONDS", "3"))
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Back-off after the n-th failure: min(base * 2**(n-1), max) with jitter; no retry after window.
WEBHOOK_RETRY_BASE_SECONDS = float(env_str("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(env_str("WEBHOOK_RETRY_MAX_SECONDS", str(4 * 3600)))
WEBHOOK_RETRY_WINDOW_SECONDS = float(env_str("WEBHOOK_RETRY_WINDOW_SECONDS", str(24 * 3600)))
# A retry due within this is queued with a countdown; a later one is left to the due sweep
# (a long countdown would outlive the broker's visibility timeout and run twice).
WEBHOOK_COUNTDOWN_MAX_SECONDS = env_int("WEBHOOK_COUNTDOWN_MAX_SECONDS", 300)
# The circuit of an endpoint opens after this many failures in a row, for this long.
WEBHOOK_CIRCUIT_FAILURES = env_int("WEBHOOK_CIRCUIT_FAILURES", 5)
WEBHOOK_CIRCUIT_OPEN_SECONDS = env_int("WEBHOOK_CIRCUIT_OPEN_SECONDS", 60)
# leaderboard.rank_changed is sent when a learner enters or leaves the all-time top N.
WEBHOOK_LEADERBOARD_TOP_N = env_int("WEBHOOK_LEADERBOARD_TOP_N", 10)
# xAPI: actors are accounts on this home page; activity ids live under this IRI base.
XAPI_ACCOUNT_HOMEPAGE = env_str("XAPI_ACCOUNT_HOMEPAGE", "https://lms.example.com").rstrip("/")
XAPI_IRI_BASE = env_str("XAPI_IRI_BASE", "https://lms.example.com/xapi").rstrip("/")
# Statements are also sent to this LRS (its statements resource URL) when set.
XAPI_LRS_URL = env_str("XAPI_LRS_URL") or None
XAPI_LRS_USERNAME = env_str("XAPI_LRS_USERNAME", "")
XAPI_LRS_PASSWORD = env_str("XAPI_LRS_PASSWORD", "")
