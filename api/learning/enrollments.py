"""HTTP views of the enrollment lifecycle: my courses, bulk enrollment, the gradebook export."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.learning.enrollment_serializers import (
    BULK_EXAMPLES,
    MY_COURSES_EXAMPLES,
    BulkEnrollResultSerializer,
    BulkEnrollSerializer,
    MyCourseListSerializer,
    PageQuerySerializer,
)
from api.learning.views import _validated
from api.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from api.permissions import IsStaff
from config.exceptions import InvalidInput
from flows.enrollments import BULK_ENROLL_MAX, enrollments_bulk_create
from learning.selectors import course_access_check, course_get, course_outline_of
from progress.gradebook import gradebook_header, gradebook_rows
from progress.selectors import learner_courses_get

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class MyCoursesView(APIView):
    @extend_schema(operation_id="me_courses_list", tags=["courses"],
                   parameters=[PageQuerySerializer], examples=MY_COURSES_EXAMPLES,
                   summary="The courses you are enrolled in, newest first, with your progress "
                           "totals",
                   responses={200: MyCourseListSerializer, **error_responses(400, 401, 503)})
    def get(self, request: Request) -> Response:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = learner_courses_get(user_id=request.user.pk, **query.validated_data)
        return Response(MyCourseListSerializer(page).data)


class CourseEnrollmentsView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="courses_enrollments_bulk_create", tags=["courses"],
                   request=BulkEnrollSerializer, examples=BULK_EXAMPLES,
                   summary=f"Enroll up to {BULK_ENROLL_MAX:,} learners at once, by user id or "
                           "username (staff)",
                   description="Rows that name no active user (or repeat one) are reported in "
                               "`errors` with their index; every other row is enrolled (or "
                               "brought back, if they had left). Answers 200 even when some "
                               "rows failed; more rows than the cap answer 400 `too_many_rows`.",
                   responses={200: BulkEnrollResultSerializer, **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str) -> Response:
        rows = request.data.get("users") if isinstance(request.data, dict) else None
        if isinstance(rows, list) and len(rows) > BULK_ENROLL_MAX:
            raise InvalidInput(f"At most {BULK_ENROLL_MAX:,} users per request; {len(rows):,} "
                               "were sent.", code="too_many_rows")
        data = _validated(BulkEnrollSerializer, request)
        result = enrollments_bulk_create(course_id=course_id, entries=data["users"])
        return Response(BulkEnrollResultSerializer(result).data)


class GradebookView(APIView):
    permission_classes = [IsStaff]

    def perform_content_negotiation(self, request, force=False):
        # The CSV is streamed as it is; errors are JSON whatever the client accepts.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(operation_id="courses_gradebook", tags=["courses"],
                   summary="The gradebook as CSV: one row per enrolled learner, one column per "
                           "item, then totals and grade (staff)",
                   description="Streamed in batches of learners (constant memory, any course "
                               "size). Item cells hold the best marks (graded items; empty "
                               "when not attempted) or 1/0 (videos and articles: completed or "
                               "not). Text cells that a spreadsheet would run as a formula "
                               "(starting with = + - @) are prefixed with a quote.",
                   responses={(200, "text/csv"): OpenApiResponse(
                       OpenApiTypes.STR, description="The CSV file.",
                       examples=[OpenApiExample("Two learners", value=(
                           "user_id,username,display_name,Quiz 1 [6650f0c2a1b2c3d4e5f60719],"
                           "completed_items,total_items,completion_percent,marks_obtained,"
                           "marks_total,grade_percent,letter,passed,completed_at\r\n"
                           "5,ada,Ada,10,1,1,100,10,10,100,A,True,2026-11-28T10:00:00\r\n"
                           "6,bob,'=Bob,,0,1,0,0,10,0,F,False,\r\n"))]),
                       **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> StreamingHttpResponse:
        course_access_check(user=request.user, course_id=course_id)
        course = course_get(course_id=course_id)
        outline = course_outline_of(course=course)
        response = StreamingHttpResponse(_csv_chunks(outline), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="gradebook-{course.slug}.csv"'
        return response


def _csv_chunks(outline) -> Iterator[str]:
    """The CSV text, one chunk per batch of learners."""
    yield _csv_text([gradebook_header(outline=outline)])
    for rows in gradebook_rows(outline=outline, batch_size=settings.GRADEBOOK_BATCH_SIZE):
        yield _csv_text(rows)


def _csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[csv_cell(value) for value in row] for row in rows])
    return buffer.getvalue()


def csv_cell(value) -> object:
    """A value as a safe CSV cell: text a spreadsheet would run as a formula gets a quote
    prefix; numbers (ours, never formulas) and moments are written as they are."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 10, not 10.0
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
