"""Embedded mode's in-memory MongoDB (mongomock-ng), made safe for the threads of one process
and fast for lookups by `_id`.

mongomock-ng updates documents in place while other threads read or clone them, so two
requests, or a request and the in-process worker, touching one document at once can fail with
"dictionary changed size during iteration". Every operation and every cursor's materialisation
therefore runs under one process-wide lock: embedded mode is one process anyway, and each
operation is short.

mongomock-ng answers every query by testing every document of the collection, so a lookup by
`_id` cost ~100 ms at 50,000 documents. It keeps documents in a dict keyed by `_id`, though: a
filter that names one `_id` value is answered from that dict (the rest of the filter is still
applied to the one document), as a real server answers it from the `_id` index.
"""
from __future__ import annotations

import functools
import re
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


def _one_id(filter) -> tuple[bool, object]:
    """(True, value) when the filter names exactly one `_id` value (no operator, no array)."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return False, None
    value = filter["_id"]
    if isinstance(value, dict | list | tuple | re.Pattern) or value is None:
        return False, None
    try:
        hash(value)
    except TypeError:
        return False, None
    return True, value


def _by_id_first(iter_documents, filter_applies):
    @functools.wraps(iter_documents)
    def run(self, filter):
        named, value = _one_id(filter)
        if not named or self._store._ttl_indexes:  # TTL expiry runs on the full scan only
            return iter_documents(self, filter)
        document = self._store._documents.get(value)
        if document is None or not filter_applies(filter, document):
            return iter(())
        return iter((document,))

    return run


def embedded_mongo_adapt(mongomock_module) -> None:
    """Wrap the fake's collection operations and cursor reads in the lock, and answer lookups
    by `_id` from its dict (once per process)."""
    collection, cursor = mongomock_module.collection.Collection, mongomock_module.collection.Cursor
    if getattr(cursor._compute_results, "lms_serialized", False):
        return
    for name in _OPERATIONS:
        if hasattr(collection, name):
            setattr(collection, name, _serialized(getattr(collection, name)))
    cursor._compute_results = _serialized(cursor._compute_results)
    collection._iter_documents = _by_id_first(collection._iter_documents,
                                              mongomock_module.filtering.filter_applies)
