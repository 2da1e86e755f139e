"""Response shapes of the leaderboard API, for the OpenAPI schema (config/openapi.py)."""
from __future__ import annotations

from rest_framework import serializers


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = best.")
    user_id = serializers.IntegerField()
    score = serializers.FloatField(help_text="Sum over items of the best marks obtained.")
    display_name = serializers.CharField(allow_null=True)
    avatar_url = serializers.CharField(allow_null=True)


class LeaderboardPageSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    count = serializers.IntegerField(help_text="Learners on the board.")
    results = LeaderboardEntrySerializer(many=True)


class LeaderboardMeSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    user_id = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True, help_text="null until a first graded attempt.")
    score = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    around = LeaderboardEntrySerializer(many=True, help_text="The learners ranked around me.")


class RebuildAcceptedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    course_id = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
