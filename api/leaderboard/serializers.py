"""What the leaderboard API reads (queries, settings) and writes (responses)."""
from __future__ import annotations

from rest_framework import serializers

from api.fields import MarksField


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = best.")
    user_id = serializers.IntegerField()
    score = MarksField(help_text="Sum over items of the best marks obtained.")
    display_name = serializers.CharField(allow_null=True)
    avatar_url = serializers.CharField(allow_null=True)
    reached_at = serializers.DateTimeField(help_text="When the learner reached this score.")


class BoardHeaderSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    window = serializers.ChoiceField(choices=["all", "week"])
    week = serializers.CharField(allow_null=True, help_text="ISO week, e.g. 2026-W48 (weekly boards).")
    ranking = serializers.ChoiceField(choices=["distinct", "competition"])
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
    around = LeaderboardEntrySerializer(many=True, help_text="The learners ranked around me.")
    rebuilding = serializers.BooleanField(
        help_text="The board is being rebuilt from MongoDB: rank and neighbours are unknown for now.")


class LeaderboardConfigSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    ranking = serializers.ChoiceField(choices=["distinct", "competition"],
                                      help_text="The ranking in force for this course.")
    ranking_override = serializers.ChoiceField(choices=["distinct", "competition"],
                                               allow_null=True,
                                               help_text="This course's own choice (null: the "
                                                         "service default).")


class RebuildAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    course_id = serializers.CharField()
