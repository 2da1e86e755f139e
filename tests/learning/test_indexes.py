"""Indexes are made by an explicit start-up step that fails loudly, never lazily on first use."""
from __future__ import annotations

import pytest
from bson import ObjectId
from django.core.management import CommandError, call_command
from pymongo.errors import OperationFailure

from config.mongo import mongo_indexes_ensure
from leaderboard.documents import LeaderboardSettings
from learning.documents import ContentAttempt


def unique_indexes(collection) -> set[tuple]:
    return {tuple(key for key, _ in spec["key"]) for spec in collection.index_information().values()
            if spec.get("unique")}


def test_ensure_indexes_creates_the_unique_indexes_deduplication_relies_on(capsys):
    call_command("ensure_indexes")
    assert "indexes ensured on" in capsys.readouterr().out
    assert ("course_id",) in unique_indexes(LeaderboardSettings._get_collection())


def test_documents_do_not_create_indexes_on_first_use():
    LeaderboardSettings._get_collection().drop()
    LeaderboardSettings._collection = None  # as a fresh process sees it
    try:
        LeaderboardSettings(course_id=ObjectId()).save()
        assert ("course_id",) not in unique_indexes(LeaderboardSettings._get_collection())
    finally:
        mongo_indexes_ensure()  # the other tests rely on them


def test_ensure_indexes_fails_loudly_when_an_index_cannot_be_created(monkeypatch):
    collection_class = type(ContentAttempt._get_collection())  # mongomock's or pymongo's

    def refuse(self, *args, **kwargs):
        raise OperationFailure("index build failed: simulated")

    monkeypatch.setattr(collection_class, "create_index", refuse)
    with pytest.raises(CommandError, match="creating MongoDB indexes failed"):
        call_command("ensure_indexes")
