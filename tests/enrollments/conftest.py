"""The corrections world (a course, two enrolled learners, staff, a real worker), the small API
world, and a counter of MongoDB reads, for the enrollment lifecycle tests."""
from __future__ import annotations

import threading
from collections import Counter

import pytest

from learning.documents import Course
from tests.api.conftest import api  # noqa: F401
from tests.corrections.conftest import World, world  # noqa: F401

READS = ("find", "find_one", "count_documents", "aggregate", "find_one_and_update")


@pytest.fixture
def mongo_reads(monkeypatch):
    """Counts this thread's calls to MongoDB read methods (they still run), by collection; the
    worker's threads (progress computations) are not the request's reads."""
    collection_class = type(Course._get_collection())
    counted: Counter = Counter()
    me = threading.get_ident()
    for name in READS:
        original = getattr(collection_class, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            if threading.get_ident() == me:
                counted[(self.name, _name)] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(collection_class, name, spy)
    return counted
