"""Snapshots of the embedded MongoDB: every collection to a file, and back into a fresh process.

Embedded mode keeps its data in one process's memory; a snapshot lets that process start with
data (a benchmark on a filled store, a demonstration). The file is gzip-compressed BSON, one
chunk of up to 5,000 documents of one collection per BSON document (well under the 16 MB limit).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import bson

from config.mongo import mongo_database

_CHUNK = 5_000


def snapshot_write(path: str | Path) -> dict[str, int]:
    """Write every collection to `path`; return the documents written per collection."""
    database, counts = mongo_database(), {}
    with gzip.open(path, "wb") as out:
        for name in sorted(database.list_collection_names()):
            documents = list(database[name].find({}))
            counts[name] = len(documents)
            for start in range(0, len(documents), _CHUNK):
                out.write(bson.encode({"collection": name,
                                       "documents": documents[start:start + _CHUNK]}))
    return counts


def snapshot_load(path: str | Path) -> dict[str, int]:
    """Insert a snapshot's documents into the store; return the documents loaded per collection."""
    database, counts = mongo_database(), {}
    with gzip.open(path, "rb") as source:
        for chunk in bson.decode_file_iter(source):
            name, documents = chunk["collection"], chunk["documents"]
            if documents:
                database[name].insert_many(documents)
            counts[name] = counts.get(name, 0) + len(documents)
    return counts
