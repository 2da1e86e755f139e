"""Embedded mode's in-memory MongoDB (mongomock-ng), made safe for the threads of one process.

mongomock-ng updates documents in place while other threads read or clone them, so two
requests, or a request and the in-process worker, touching one document at once can fail with
"dictionary changed size during iteration". Every operation and every cursor's materialisation
therefore runs under one process-wide lock: embedded mode is one process anyway, and each
operation is short.
"""
from __future__ import annotations

import functools
import threading

_LOCK = threading.RLock()
_OPERATIONS = (
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "find_one", "find_one_and_update", "find_one_and_replace",
    "find_one_and_delete", "count_documents", "estimated_document_count", "distinct",
    "aggregate", "bulk_write", "create_index", "create_indexes", "drop", "drop_index",
    "drop_indexes", "index_information", "list_indexes",
)


def _serialized(function):
    @functools.wraps(function)
    def run(*args, **kwargs):
        with _LOCK:
            return function(*args, **kwargs)

    run.lms_serialized = True
    return run


def embedded_mongo_serialize(mongomock_module) -> None:
    """Wrap the fake's collection operations and cursor reads in the lock (once per process)."""
    collection, cursor = mongomock_module.collection.Collection, mongomock_module.collection.Cursor
    if getattr(cursor._compute_results, "lms_serialized", False):
        return
    for name in _OPERATIONS:
        if hasattr(collection, name):
            setattr(collection, name, _serialized(getattr(collection, name)))
    cursor._compute_results = _serialized(cursor._compute_results)
