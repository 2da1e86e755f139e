"""Embedded mode can start with data: a snapshot written by one process loads in another
(`serve --snapshot`, EMBEDDED_SNAPSHOT), and a bad file stops `serve` with a message."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(bool(settings.MONGODB_URI), reason="embedded mode only")

WRITE = """
import django, datetime, bson
django.setup()
from config.mongo import mongo_database
from config.embedded_snapshot import snapshot_write
db = mongo_database()
db.snap_a.insert_many([{{"_id": n, "at": datetime.datetime(2026, 1, 1), "ref": bson.ObjectId()}}
                       for n in range(12_000)])
db.snap_b.insert_one({{"_id": "one", "tags": ["x"]}})
print(snapshot_write({path!r}))
"""
LOAD = """
import django
django.setup()
from config.mongo import mongo_database
from config.embedded_snapshot import snapshot_load
counts = snapshot_load({path!r})
db = mongo_database()
print(counts["snap_a"], counts["snap_b"], db.snap_a.count_documents({{}}),
      db.snap_a.find_one({{"_id": 11_999}})["at"].year, db.snap_b.find_one({{"_id": "one"}})["tags"])
"""


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_a_snapshot_written_by_one_process_loads_whole_in_another(tmp_path):
    path = str(tmp_path / "store.bson.gz")
    written = python(WRITE.format(path=path))
    assert written.returncode == 0, written.stderr
    loaded = python(LOAD.format(path=path))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["12000", "1", "12000", "2026", "['x']"]


@pytest.mark.parametrize("content", [None, b"not a snapshot"])
def test_serve_refuses_a_missing_or_broken_snapshot_with_a_message(tmp_path, content):
    path = tmp_path / "store.bson.gz"
    if content is not None:
        path.write_bytes(content)
    result = subprocess.run([sys.executable, "manage.py", "serve", "--snapshot", str(path),
                             "--port", "1"], cwd=ROOT, env=dict(os.environ), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"cannot load snapshot {path}" in result.stderr
