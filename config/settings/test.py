"""Settings for the test suite: its own Redis DB indexes and MongoDB database, fast hashing."""
from __future__ import annotations

from config.env import env_int, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS

# Tests share the machine's Redis: they take their own DB indexes (TEST_REDIS_DB for the cache,
# the next one for the broker) and flush them when they finish.
TEST_REDIS_HOST = env_str("TEST_REDIS_HOST", "127.0.0.1:6379")
TEST_REDIS_DB = env_int("TEST_REDIS_DB", 12)
REDIS_URL = f"redis://{TEST_REDIS_HOST}/{TEST_REDIS_DB}"
CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL, "KEY_PREFIX": "lms-test"}}
# TEST_BROKER_URL: a broker of its own (the broker-outage scenario runs on one it can kill).
CELERY_BROKER_URL = env_str("TEST_BROKER_URL") or f"redis://{TEST_REDIS_HOST}/{TEST_REDIS_DB + 1}"
CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 60}

MONGODB_DB = env_str("TEST_MONGODB_DB", "lms_test")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# Worker heartbeats every second, so readiness tests do not wait long after a flush.
WORKER_HEARTBEAT_SECONDS = 1
