"""MongoDB documents of the leaderboard app."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import DateTimeField, IntField, ObjectIdField, StringField

from config.documents import StoredDocument
from leaderboard.scoring import RANKING_MODES


class LeaderboardSettings(StoredDocument):
    """Per-course leaderboard options; absent fields fall back to the global settings."""

    course_id = ObjectIdField(required=True, unique=True)
    ranking = StringField(null=True, choices=RANKING_MODES)
    updated_by = IntField(null=True)
    updated_at = DateTimeField(default=timezone.now)

    meta = {"collection": "leaderboard_settings"}
