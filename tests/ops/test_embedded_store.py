"""Embedded mode's in-memory MongoDB is shared by the API's threads and the in-process worker:
concurrent writes to one document neither fail nor get lost."""
from __future__ import annotations

import threading

import mongoengine
import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(bool(settings.MONGODB_URI), reason="embedded mode only")


def test_threads_updating_and_reading_one_document_lose_nothing_and_never_fail():
    collection = mongoengine.get_db()["embedded_store_race"]
    collection.insert_one({"_id": 1, "best": {}, "version": 0})
    errors: list[str] = []
    threads, rounds = 6, 300

    def work(n: int) -> None:
        try:
            for i in range(rounds):
                collection.update_one({"_id": 1}, {"$max": {f"best.k{n}_{i}": i},
                                                   "$inc": {"version": 1}})
                collection.find_one({"_id": 1})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(repr(exc))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stored = collection.find_one({"_id": 1})
    assert errors == []
    assert stored["version"] == threads * rounds
    assert len(stored["best"]) == threads * rounds
