"""MongoDB documents of the leaderboard app."""
from __future__ import annotations

from django.utils import timezone
from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    FloatField,
    IntField,
    ListField,
    ObjectIdField,
    StringField,
)

from config.documents import StoredDocument
from leaderboard.scoring import RANKING_MODES

PUBLIC = "public"
ANONYMOUS = "anonymous"
HIDDEN = "hidden"
VISIBILITIES = (PUBLIC, ANONYMOUS, HIDDEN)


class LeaderboardSettings(StoredDocument):
    """Per-course leaderboard options; absent fields fall back to the global settings."""

    course_id = ObjectIdField(required=True, unique=True)
    ranking = StringField(null=True, choices=RANKING_MODES)
    global_weight = FloatField(null=True, min_value=0)  # on the global board (null: 1)
    seasons_lock = DictField(null=True)  # {token, until}: one season write at a time
    updated_by = IntField(null=True)
    updated_at = DateTimeField(default=timezone.now)

    meta = {"collection": "leaderboard_settings"}


class LeaderboardVisibility(StoredDocument):
    """How a learner shows on every board: their own choice, and a hide set by staff (with why).

    Only learners who changed something have one; the others are public.
    """

    user_id = IntField(required=True, unique=True)
    visibility = StringField(required=True, default=PUBLIC, choices=VISIBILITIES)
    staff_hidden = BooleanField(default=False)
    staff_reason = StringField(null=True)
    staff_by = IntField(null=True)
    staff_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=timezone.now)
    # True from the change until the learner's boards are queued for an update (in the outbox).
    followup_pending = BooleanField(null=True)

    meta = {"collection": "leaderboard_visibility",
            "indexes": [{"fields": ["followup_pending"], "sparse": True}, "staff_hidden"]}


class LeaderboardGroup(StoredDocument):
    """A named set of a course's learners with boards of their own (members in their own
    collection, so a group may hold any number of them)."""

    course_id = ObjectIdField(required=True)
    name = StringField(required=True, max_length=200)
    member_count = IntField(default=0)
    created_by = IntField(null=True)
    created_at = DateTimeField(default=timezone.now)
    updated_at = DateTimeField(default=timezone.now)
    # True from a membership change until the group's boards are queued for a rebuild.
    followup_pending = BooleanField(null=True)

    meta = {"collection": "leaderboard_groups",
            "indexes": ["course_id", {"fields": ["followup_pending"], "sparse": True}]}


class LeaderboardGroupMember(StoredDocument):
    """One learner in one group."""

    group_id = ObjectIdField(required=True)
    course_id = ObjectIdField(required=True)
    user_id = IntField(required=True)

    meta = {"collection": "leaderboard_group_members",
            "indexes": [{"fields": ["group_id", "user_id"], "unique": True},
                        ("course_id", "user_id")]}


class LeaderboardSeason(StoredDocument):
    """A staff-defined period [start, end) of a course with its own board; seasons never overlap."""

    course_id = ObjectIdField(required=True)
    name = StringField(required=True, max_length=200)
    start = DateTimeField(required=True)
    end = DateTimeField(required=True)
    created_by = IntField(null=True)
    created_at = DateTimeField(default=timezone.now)

    meta = {"collection": "leaderboard_seasons", "indexes": [("course_id", "start")]}


class LeaderboardArchive(StoredDocument):
    """A finished period's board, frozen: its top entries (ranks in the table below)."""

    course_id = ObjectIdField(required=True)
    window = StringField(required=True)  # board name, e.g. "week:2026-W48" or "g:<id>:week:…"
    group = ObjectIdField(null=True)  # a group's board of the period (None: the course's)
    kind = StringField(required=True)
    label = StringField(required=True)
    start = DateTimeField(required=True)
    end = DateTimeField(required=True)
    ranking = StringField(required=True)
    count = IntField(required=True)
    top = ListField(DictField())
    archived_at = DateTimeField(default=timezone.now)

    meta = {"collection": "leaderboard_archives",
            "indexes": [{"fields": ["course_id", "window"], "unique": True}, "-archived_at",
                        "group"]}


class LeaderboardArchiveRank(StoredDocument):
    """One learner's final rank on an archived board (hidden learners: where they would stand)."""

    archive_id = ObjectIdField(required=True)
    user_id = IntField(required=True)
    position = IntField(required=True)  # 0-based place among the listed learners
    rank = IntField(required=True)
    cents = IntField(required=True)
    reached_at = DateTimeField(required=True)
    hidden = BooleanField(default=False)
    anonymous = BooleanField(default=False)

    meta = {"collection": "leaderboard_archive_ranks",
            "indexes": [{"fields": ["archive_id", "user_id"], "unique": True},
                        ("archive_id", "hidden", "position")]}
