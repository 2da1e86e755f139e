"""What the enrollment lifecycle API reads (course lists, bulk enrollment) and answers."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from api.fields import MarksField, QueryIntegerField
from flows.enrollments import BULK_ENROLL_MAX


class PageQuerySerializer(serializers.Serializer):
    limit = QueryIntegerField(required=False, min_value=1, max_value=200, default=50)
    offset = QueryIntegerField(required=False, min_value=0, max_value=10**9, default=0)


class ProgressTotalsSerializer(serializers.Serializer):
    """The stored progress totals of one course (see the course's progress/ for the details)."""

    completion_percent = serializers.FloatField()
    completed_items = serializers.IntegerField()
    total_items = serializers.IntegerField()
    marks_obtained = MarksField(help_text="As shown to you: marks your items' policies still "
                                          "hide are left out.")
    marks_total = MarksField()
    marks_hidden = serializers.BooleanField()
    grade_percent = serializers.FloatField(allow_null=True)
    letter = serializers.CharField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text="The outline changed since; a recalculation is "
                                               "queued.")

    def to_representation(self, doc):
        hidden = doc.get("marks_hidden_items", 0) > 0
        doc = {"completed_at": None, "computed_at": None, "grade_percent": None, "letter": None,
               "passed": None, "stale": False, **doc, "marks_hidden": hidden,
               "marks_obtained": doc.get("marks_revealed", 0)}
        if hidden:  # a grade would show hidden marks
            doc.update(grade_percent=None, letter=None, passed=None)
        return super().to_representation(doc)


class MyCourseSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    title = serializers.CharField(allow_null=True)
    slug = serializers.CharField(allow_null=True)
    published = serializers.BooleanField(allow_null=True)
    enrolled_at = serializers.DateTimeField()
    progress = serializers.SerializerMethodField(
        help_text="Null until the first progress computation stored it (moments after "
                  "enrolling).")

    @extend_schema_field(ProgressTotalsSerializer(allow_null=True))
    def get_progress(self, row) -> dict | None:
        doc = row.get("progress")
        return ProgressTotalsSerializer(doc).data if doc is not None else None


class MyCourseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = MyCourseSerializer(many=True)


MY_COURSES_EXAMPLES = [
    OpenApiExample("Two courses, the newest enrollment first", response_only=True,
                   status_codes=["200"], value={"count": 2, "results": [
                       {"course_id": "6650f0c2a1b2c3d4e5f60700", "title": "Intro to Python",
                        "slug": "intro-python", "published": True,
                        "enrolled_at": "2026-11-28T09:00:00Z", "progress": {
                            "completion_percent": 40.0, "completed_items": 2, "total_items": 5,
                            "marks_obtained": 10, "marks_total": 34, "marks_hidden": False,
                            "grade_percent": 29.41, "letter": "F", "passed": False,
                            "completed_at": None, "computed_at": "2026-11-28T10:00:00Z",
                            "stale": False}},
                       {"course_id": "6650f0c2a1b2c3d4e5f60701", "title": "Statistics",
                        "slug": "stats", "published": True,
                        "enrolled_at": "2026-11-20T09:00:00Z", "progress": None}]}),
]


class BulkEnrollSerializer(serializers.Serializer):
    users = serializers.ListField(
        child=serializers.JSONField(allow_null=True), allow_empty=False, max_length=BULK_ENROLL_MAX,
        help_text=f"Up to {BULK_ENROLL_MAX:,} learners, each a user id (integer) or a username "
                  "(string). Rows that name no active user are reported in `errors`; the others "
                  "are enrolled.")


class BulkEnrollErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The row's position in `users`, from 0.")
    value = serializers.JSONField(help_text="The row as sent.")
    code = serializers.ChoiceField(choices=["unknown_user", "inactive_user", "duplicate",
                                            "invalid"])
    detail = serializers.CharField()


class BulkEnrollResultSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    requested = serializers.IntegerField(help_text="Rows sent.")
    enrolled = serializers.IntegerField(help_text="Learners enrolled now (or back after leaving).")
    already_enrolled = serializers.IntegerField()
    failed = serializers.IntegerField(help_text="Rows in `errors`.")
    errors = BulkEnrollErrorSerializer(many=True)


BULK_EXAMPLES = [
    OpenApiExample("Ids and usernames", request_only=True,
                   value={"users": [5, 6, "ada", "grace.hopper"]}),
    OpenApiExample("Per-row errors", response_only=True, status_codes=["200"],
                   value={"course_id": "6650f0c2a1b2c3d4e5f60700", "requested": 4,
                          "enrolled": 2, "already_enrolled": 1, "failed": 1, "errors": [
                              {"index": 3, "value": "grace.hopper", "code": "unknown_user",
                               "detail": "No user named 'grace.hopper'."}]}),
]
