"""Embedded mode's in-memory MongoDB is shared by the API's threads and the in-process worker:
concurrent writes to one document neither fail nor get lost."""
from __future__ import annotations

import threading
import time

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


def test_lookups_by_id_answer_like_a_scan_would_but_without_scanning():
    collection = mongoengine.get_db()["embedded_store_ids"]
    collection.insert_many([{"_id": f"{n}:course", "n": n, "tags": ["a"]} for n in range(20_000)])
    assert collection.find_one({"_id": "7:course"})["n"] == 7
    assert collection.find_one({"_id": "7:course", "n": 8}) is None  # the rest of the filter holds
    assert collection.find_one({"_id": "missing"}) is None
    assert collection.count_documents({"_id": "9:course", "n": {"$lt": 10}}) == 1
    assert [d["n"] for d in collection.find({"_id": {"$in": ["1:course", "2:course"]}})] == [1, 2]
    assert sorted(d["n"] for d in collection.find(
        {"_id": {"$in": ["3:course", "missing", "3:course", "4:course"]}, "n": {"$gt": 3}})) == [4]
    collection.update_one({"_id": "5:course", "n": 5}, {"$inc": {"n": 100}})
    collection.update_one({"_id": "new:course"}, {"$set": {"n": -1}}, upsert=True)
    assert collection.find_one({"_id": "5:course"})["n"] == 105
    assert collection.count_documents({}) == 20_001

    def timed(query: dict, repeat: int) -> float:
        started = time.perf_counter()
        for _ in range(repeat):
            collection.find_one(query)
        return (time.perf_counter() - started) / repeat

    by_id, scanned = timed({"_id": "19999:course"}, 200), timed({"n": 19_999}, 3)
    page = timed({"_id": {"$in": [f"{n}:course" for n in range(19_990, 20_000)]}}, 100)
    # A scan tests 20,000 documents; the lookup one (a page of ten, ten). Even on a busy machine
    # that is 100x (20x) apart.
    assert by_id * 100 < scanned, (by_id, scanned)
    assert page * 20 < scanned, (page, scanned)
