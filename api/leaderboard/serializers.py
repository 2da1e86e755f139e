"""What the leaderboard API reads (queries, settings) and writes (responses)."""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from api.fields import MAX_USER_ID, JSONCharField, JSONFloatField, JSONIntegerField, MarksField

RANKINGS = ["distinct", "competition", "dense"]


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = best.")
    user_id = serializers.IntegerField(
        allow_null=True, help_text="null for an anonymous learner (but to themselves and staff).")
    score = MarksField(help_text="Sum over items of the best marks obtained.")
    display_name = serializers.CharField(allow_null=True,
                                         help_text='"Anonymous learner" for anonymous learners.')
    avatar_url = serializers.CharField(allow_null=True)
    anonymous = serializers.BooleanField(help_text="The learner chose to show without name.")
    reached_at = serializers.DateTimeField(help_text="When the learner reached this score.")


class BoardHeaderSerializer(serializers.Serializer):
    course_id = serializers.CharField(allow_null=True, help_text="null on the global board.")
    group = serializers.CharField(allow_null=True,
                                  help_text="The group whose board this is (null: the course's).")
    window = serializers.ChoiceField(choices=["all", "day", "week", "month", "season"])
    week = serializers.CharField(allow_null=True, help_text="ISO week, e.g. 2026-W48 (weekly boards).")
    period = serializers.CharField(
        allow_null=True, help_text="The period's label: 2026-11-29, 2026-W48, 2026-11, or the "
                                   "season's id (null for all-time).")
    archived = serializers.BooleanField(
        help_text="Read from the finished period's frozen archive in MongoDB.")
    ranking = serializers.ChoiceField(choices=RANKINGS)
    count = serializers.IntegerField(help_text="Learners on the board.")


class LeaderboardPageSerializer(BoardHeaderSerializer):
    results = LeaderboardEntrySerializer(many=True)
    rebuilding = serializers.BooleanField(
        help_text="The board was missing (new, expired or lost) and a worker is rebuilding it from "
                  "MongoDB: results are empty for now; ask again in a few seconds.")


class LeaderboardMeSerializer(BoardHeaderSerializer):
    user_id = serializers.IntegerField(help_text="Whose rank this is.")
    rank = serializers.IntegerField(allow_null=True, help_text="null until a first graded attempt.")
    score = MarksField(allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    reached_at = serializers.DateTimeField(allow_null=True)
    hidden = serializers.BooleanField(
        help_text="The learner is kept off the board's pages (their choice, or staff's): rank "
                  "and percentile say where their score would put them; `count` leaves them out.")
    around = LeaderboardEntrySerializer(many=True, help_text="The learners ranked around me.")
    rebuilding = serializers.BooleanField(
        help_text="The board is being rebuilt from MongoDB: rank and neighbours are unknown for now.")


class LeaderboardConfigSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    ranking = serializers.ChoiceField(choices=RANKINGS,
                                      help_text="The ranking in force for this course.")
    ranking_override = serializers.ChoiceField(choices=RANKINGS,
                                               allow_null=True,
                                               help_text="This course's own choice (null: the "
                                                         "service default).")


class RebuildAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    course_id = serializers.CharField()


class VisibilitySerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    visibility = serializers.ChoiceField(
        choices=["public", "anonymous", "hidden"],
        help_text='public: listed by name; anonymous: listed as "Anonymous learner"; hidden: '
                  'left out of every board\'s pages, still told their own rank.')
    hidden_by_staff = serializers.BooleanField(
        help_text="Staff hid the learner from every board (whatever `visibility` says).")


class HiddenLearnerSerializer(VisibilitySerializer):
    reason = serializers.CharField(allow_null=True, help_text="Why staff hid the learner.")
    hidden_by = serializers.IntegerField(allow_null=True, help_text="The staff member's id.")
    hidden_at = serializers.DateTimeField(allow_null=True)


class GroupSerializer(serializers.Serializer):
    id = serializers.CharField()
    course_id = serializers.CharField()
    name = serializers.CharField()
    member_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GroupCreateSerializer(serializers.Serializer):
    name = JSONCharField(max_length=200)
    members = serializers.ListField(
        child=JSONIntegerField(min_value=1, max_value=MAX_USER_ID), required=False, default=list,
        max_length=settings.LEADERBOARD_GROUP_MAX_BATCH,
        help_text="User ids of learners enrolled in the course.")


class GroupRenameSerializer(serializers.Serializer):
    name = JSONCharField(max_length=200)


class GroupMembersSerializer(serializers.Serializer):
    user_ids = serializers.ListField(child=JSONIntegerField(min_value=1, max_value=MAX_USER_ID),
                                     min_length=1,
                                     max_length=settings.LEADERBOARD_GROUP_MAX_BATCH)


class GlobalWeightSerializer(serializers.Serializer):
    course_id = serializers.CharField(read_only=True)
    weight = JSONFloatField(
        min_value=0, max_value=100,
        help_text="Multiplies the course's points on the global board (1 by default; 0 leaves "
                  "the course out).")


class SeasonSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    course_id = serializers.CharField(read_only=True)
    name = JSONCharField(max_length=200)
    start = serializers.DateTimeField(help_text="Inclusive, e.g. 2027-01-01T00:00:00Z.")
    end = serializers.DateTimeField(help_text="Exclusive; after start, by 9000-01-01. Seasons "
                                              "never overlap.")
