"""A Redis that refuses writes (out of memory, a replica after a failover) is an outage the
client may retry (503), not a server error."""
from __future__ import annotations

import pytest
import redis.exceptions
from redis._parsers import _HiredisParser, _RESP2Parser, _RESP3Parser
from rest_framework.test import APIRequestFactory

from api.errors import api_exception_handler
from config.redis_errors import REDIS_REFUSALS, RedisWritesRefused

MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk.")


@pytest.mark.parametrize("refusal", [
    redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
    redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
    redis.exceptions.BusyLoadingError("Redis is loading the dataset in memory"),
    RedisWritesRefused(MISCONF),
])
def test_a_redis_that_refuses_writes_answers_503_with_retry_after(refusal):
    request = APIRequestFactory().post("/api/v1/courses/x/attempts/")
    response = api_exception_handler(refusal, {"request": request})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.data["code"] == "store_unavailable"


def test_other_redis_errors_stay_server_errors():
    request = APIRequestFactory().get("/api/v1/courses/")
    assert api_exception_handler(redis.exceptions.ResponseError("WRONGTYPE"),
                                 {"request": request}) is None


@pytest.mark.parametrize("parser", [_HiredisParser, _RESP2Parser, _RESP3Parser])
def test_every_redis_parser_names_misconf_as_writes_refused(parser):
    """redis-py has no class of its own for MISCONF; ours is registered for every parser."""
    error = parser.parse_error(MISCONF)
    assert isinstance(error, RedisWritesRefused) and isinstance(error, REDIS_REFUSALS)
    assert isinstance(error, redis.exceptions.ResponseError)  # what other code catches still holds
