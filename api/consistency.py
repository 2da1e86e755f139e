"""Staff check that a course's derived data equals a fresh computation from MongoDB."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.openapi import READ_ERRORS, error_responses
from api.permissions import IsStaff
from flows.consistency import consistency_check
from learning.selectors import course_access_check


class ConsistencySerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="No difference found.")
    courses = serializers.IntegerField()
    learners = serializers.IntegerField(help_text="Enrolled learners whose progress was checked.")
    boards = serializers.IntegerField(help_text="Boards checked (all-time and this week).")
    progress_diffs = serializers.ListField(
        child=serializers.DictField(), help_text="Learners whose served progress (cache, else "
        "MongoDB document) differs from a fresh computation: the fields, both values, the source.")
    board_diffs = serializers.ListField(
        child=serializers.DictField(), help_text="Boards with members whose score differs from a "
        "fresh aggregation (up to 20 user ids, and how many).")
    boards_missing = serializers.ListField(
        child=serializers.DictField(), help_text="Boards not in Redis (flushed, evicted); their "
        "next reader has a worker rebuild them.")
    followups_pending = serializers.IntegerField(
        help_text="Accepted attempts whose follow-up (summary merge, queued work) a failed request "
        "left to the pending sweep.")


EXAMPLE = {"ok": False, "courses": 1, "learners": 2, "boards": 2,
           "progress_diffs": [{"course_id": "6650f0c2a1b2c3d4e5f60718", "user_id": 7,
                               "source": "cache", "fields": ["completed_items"],
                               "expected": {"completed_items": 3}, "served": {"completed_items": 2}}],
           "board_diffs": [],
           "boards_missing": [{"course_id": "6650f0c2a1b2c3d4e5f60718", "window": "week:2026-W48",
                               "expected_members": 2}],
           "followups_pending": 0}


class CourseConsistencyView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="course_consistency_retrieve", tags=["operations"],
                   summary="Compare progress and boards with MongoDB (staff)",
                   description="Recomputes every enrolled learner's progress and the course's "
                               "all-time and weekly boards from MongoDB and lists what differs "
                               "from what readers are served. Read-only; O(learners) work, for "
                               "operators and fault-injection runs (`make chaos`).",
                   responses={200: ConsistencySerializer, **error_responses(*READ_ERRORS)},
                   examples=[OpenApiExample("A learner's cached progress behind", value=EXAMPLE,
                                            response_only=True)])
    def get(self, request: Request, course_id: str) -> Response:
        course_access_check(user=request.user, course_id=course_id)
        return Response(ConsistencySerializer(consistency_check(course_ids=[course_id]).as_dict()).data)
