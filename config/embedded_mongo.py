"""Embedded mode's in-memory MongoDB (mongomock-ng), made safe for the threads of one process
and fast for lookups by `_id`.

mongomock-ng updates documents in place while other threads read or clone them, so two
requests, or a request and the in-process worker, touching one document at once can fail with
"dictionary changed size during iteration". Every operation and every cursor's materialisation
therefore runs under one process-wide lock: embedded mode is one process anyway, and each
operation is short.

mongomock-ng answers every query by testing every document of the collection, so a lookup by
`_id` cost ~100 ms at 50,000 documents. It keeps documents in a dict keyed by `_id`, though: a
filter that names `_id` values (one value, or `{"$in": [...]}`) is answered from that dict (the
rest of the filter is still applied to those documents), as a real server answers it from the
`_id` index.
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


def _plain(value) -> bool:
    """A value the `_id` dict can be asked for (not an operator, a list, a pattern or null)."""
    if isinstance(value, dict | list | tuple | re.Pattern) or value is None:
        return False
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _named_ids(filter) -> list | None:
    """The `_id` values a filter names (`{"_id": v}` or `{"_id": {"$in": [...]}}`), else None."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return None
    value = filter["_id"]
    if isinstance(value, dict) and list(value) == ["$in"] and isinstance(value["$in"], list | tuple):
        values = list(dict.fromkeys(value["$in"])) if all(map(_plain, value["$in"])) else None
        return values
    return [value] if _plain(value) else None


def _by_id_first(iter_documents, filter_applies):
    @functools.wraps(iter_documents)
    def run(self, filter):
        ids = _named_ids(filter)
        if ids is None or self._store._ttl_indexes:  # TTL expiry runs on the full scan only
            return iter_documents(self, filter)
        documents = (self._store._documents.get(value) for value in ids)
        return iter([d for d in documents if d is not None and filter_applies(filter, d)])

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
