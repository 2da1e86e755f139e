"""HTTP views of the learning domain: users, courses, enrollment and attempts."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.learning.examples import COURSE_WITH_RULES
from api.learning.history_serializers import (
    HISTORY_EXAMPLES,
    HistoryPageSerializer,
    HistoryQuerySerializer,
)
from api.learning.serializers import (
    AttemptAcceptedSerializer,
    AttemptSerializer,
    CourseDetailSerializer,
    CourseListSerializer,
    CourseWriteSerializer,
    EnrollmentSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from api.openapi import READ_ERRORS, WRITE_ERRORS, error_responses
from api.permissions import IsStaff, IsStaffOrReadOnly
from api.throttles import AttemptThrottle, UserCreateThrottle
from config.exceptions import Forbidden, InvalidInput, NotFound
from flows.attempts import attempt_submit
from flows.courses import course_change
from flows.enrollments import enrollment_create, enrollment_leave
from learning import selectors, services
from learning.history import attempt_history_get, history_marks_hide

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description='The ETag of the course as you read it (e.g. "7"): the edit is refused with 412 '
                "if the course changed since. Without it, an edit that races another one gets 409 "
                "`edit_conflict`.")
COURSE_EXAMPLES = [
    OpenApiExample("Course using every unlock-rule type", value=COURSE_WITH_RULES,
                   request_only=True,
                   description="Rules refer to sections, lessons and items by `key` (or id): "
                               "completed, min_score_percent, all, any, available_after_days, "
                               "available_from. See docs/progress.md."),
]
ATTEMPT_EXAMPLES = [
    OpenApiExample("Video or article watched/read", value={"content_id": "6650f0c2a1b2c3d4e5f60718",
                                                           "completed": True}, request_only=True),
    OpenApiExample("Quiz answers (graded on the server)",
                   value={"content_id": "6650f0c2a1b2c3d4e5f60719", "answers": [1, 0]},
                   request_only=True),
    OpenApiExample("Assignment grade (staff)",
                   value={"content_id": "6650f0c2a1b2c3d4e5f6071a", "user_id": 5, "marks": 17.5},
                   request_only=True),
]


def _validated(serializer_class, request: Request, *, partial: bool = False) -> dict:
    """Validate the JSON body, answering 400 with DRF's field errors if it is wrong."""
    if not isinstance(request.data, dict):
        raise InvalidInput("The body must be a JSON object.", code="not_an_object")
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _course_response(course, *, show_answers: bool, status: int = status.HTTP_200_OK) -> Response:
    """The course with its outline, and its revision as the ETag an edit sends back in If-Match."""
    body = CourseDetailSerializer(course, context={"show_answers": show_answers}).data
    return Response(body, status=status, headers={"ETag": f'"{course.revision}"'})


def _if_match_revision(request: Request) -> int | None:
    """The revision an edit was made from (If-Match: "7"); None when the header is absent or *."""
    raw = request.headers.get("If-Match", "").strip()
    if raw in ("", "*"):
        return None
    tag = raw.removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 18:
        raise InvalidInput('If-Match must be the ETag of the course as read, e.g. "7".',
                           code="invalid_if_match")
    return int(tag)


class UserCreateView(APIView):
    permission_classes = [IsStaff]
    throttle_classes = [UserCreateThrottle]

    @extend_schema(operation_id="users_create", tags=["users"], request=UserCreateSerializer,
                   summary="Create a learner (or a staff user) with a public profile (staff)",
                   responses={201: UserSerializer, **error_responses(*WRITE_ERRORS, 409, 429)})
    def post(self, request: Request) -> Response:
        data = _validated(UserCreateSerializer, request)
        if data.get("is_staff") and not request.user.is_superuser:
            # Staff rights are given by a superuser (as in the admin), so one staff account
            # cannot multiply itself.
            raise Forbidden("Only a superuser may create a staff account.", code="superuser_only")
        user = services.user_create(**data)
        body = {"id": user.pk, "username": user.username, "is_staff": user.is_staff,
                "display_name": data["display_name"], "avatar_url": data.get("avatar_url") or None}
        return Response(UserSerializer(body).data, status=status.HTTP_201_CREATED)


class CourseListView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(operation_id="courses_list", tags=["courses"],
                   summary="Published courses (staff see every course)",
                   responses={200: CourseListSerializer, **error_responses(401)})
    def get(self, request: Request) -> Response:
        courses = selectors.course_list(include_unpublished=request.user.is_staff)
        return Response(CourseListSerializer({"count": len(courses), "results": courses}).data)

    @extend_schema(operation_id="courses_create", tags=["courses"], request=CourseWriteSerializer,
                   summary="Create a course with its whole outline (staff)",
                   examples=COURSE_EXAMPLES,
                   responses={201: CourseDetailSerializer, **error_responses(*WRITE_ERRORS, 409)})
    def post(self, request: Request) -> Response:
        data = _validated(CourseWriteSerializer, request)
        course = services.course_create(data=data, created_by=request.user.pk)
        return _course_response(course, show_answers=True, status=status.HTTP_201_CREATED)


class CourseDetailView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(operation_id="courses_retrieve", tags=["courses"],
                   summary="A course with its outline (quiz answers for staff only)",
                   responses={200: CourseDetailSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get(course_id=course_id)
        if not course.published and not request.user.is_staff:
            raise NotFound(f"Course {course_id} not found")
        return _course_response(course, show_answers=request.user.is_staff)

    @extend_schema(operation_id="courses_update", tags=["courses"], request=CourseWriteSerializer,
                   summary="Replace a course (staff); outline elements sent with their id keep it",
                   examples=COURSE_EXAMPLES, parameters=[IF_MATCH],
                   responses={200: CourseDetailSerializer, **error_responses(*WRITE_ERRORS, 409, 412)})
    def put(self, request: Request, course_id: str) -> Response:
        return self._update(request, course_id, partial=False)

    @extend_schema(operation_id="courses_partial_update", tags=["courses"],
                   request=CourseWriteSerializer, summary="Change some fields of a course (staff)",
                   parameters=[IF_MATCH],
                   responses={200: CourseDetailSerializer, **error_responses(*WRITE_ERRORS, 409, 412)})
    def patch(self, request: Request, course_id: str) -> Response:
        return self._update(request, course_id, partial=True)

    def _update(self, request: Request, course_id: str, *, partial: bool) -> Response:
        selectors.object_id_parse(course_id, what="course_id")
        expected = _if_match_revision(request)
        data = _validated(CourseWriteSerializer, request, partial=partial)
        course = course_change(course_id=course_id, data=data, expected_revision=expected)
        return _course_response(course, show_answers=True)


class EnrollView(APIView):
    @extend_schema(operation_id="courses_enroll", tags=["courses"], request=None,
                   summary="Enroll the caller in a published course",
                   responses={201: OpenApiResponse(EnrollmentSerializer, description="Enrolled."),
                              200: OpenApiResponse(EnrollmentSerializer,
                                                   description="Already enrolled."),
                              **error_responses(*WRITE_ERRORS)})
    def post(self, request: Request, course_id: str) -> Response:
        enrollment, created = enrollment_create(user=request.user, course_id=course_id)
        return Response(EnrollmentSerializer(enrollment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(operation_id="courses_unenroll", tags=["courses"], request=None,
                   summary="Leave a course: off its boards and lists; your attempts and progress "
                           "stay, and enrolling again brings them back",
                   description="Idempotent: leaving a course you left answers 204 again. "
                               "Attempts are refused at once; reads that other API processes "
                               "granted you lately stay open for up to ACCESS_CACHE_SECONDS "
                               "(30 s by default). The boards drop you through the board update "
                               "queue (at once when it is up; from the outbox once it is back).",
                   responses={204: None, **error_responses(*READ_ERRORS)})
    def delete(self, request: Request, course_id: str) -> Response:
        enrollment_leave(user=request.user, course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttemptCreateView(APIView):
    throttle_classes = [AttemptThrottle]

    def get_throttles(self):
        # Submissions are limited; reading the history is not a submission.
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(operation_id="attempts_list", tags=["attempts"],
                   parameters=[HistoryQuerySerializer], examples=HISTORY_EXAMPLES,
                   summary="Attempt history, newest first, with staff corrections (learners: "
                           "their own; staff: anyone's with ?user_id=)",
                   description="Attempts and, merged in by time, the staff corrections that "
                               "changed the learner's results: override changes and course "
                               "resets. A learner sees marks as the item's attempt policy shows "
                               "them (`marks_hidden`); staff see every mark.",
                   responses={200: HistoryPageSerializer, **error_responses(*READ_ERRORS)})
    def get(self, request: Request, course_id: str) -> Response:
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        user_id = filters.pop("user_id", request.user.pk)
        if user_id != request.user.pk and not request.user.is_staff:
            raise Forbidden("Only staff may read another learner's attempts.", code="staff_only")
        selectors.course_access_check(user=request.user, course_id=course_id)
        outline = selectors.course_outline_get(course_id=course_id)
        page = attempt_history_get(outline=outline, user_id=user_id, **filters)
        if request.user.is_staff:
            entries = [{**entry, "marks_hidden": False} for entry in page.entries]
        else:
            entries = history_marks_hide(outline=outline, entries=page.entries, now=timezone.now())
        return Response(HistoryPageSerializer({"count": page.count, "results": entries}).data)

    @extend_schema(operation_id="attempts_create", tags=["attempts"], request=AttemptSerializer,
                   summary="Submit an attempt; stored at once, progress and leaderboard follow",
                   examples=ATTEMPT_EXAMPLES,
                   responses={202: AttemptAcceptedSerializer, **error_responses(*WRITE_ERRORS, 429)})
    def post(self, request: Request, course_id: str) -> Response:
        data = _validated(AttemptSerializer, request)
        submitted = attempt_submit(actor=request.user, course_id=course_id, data=data)
        body = AttemptAcceptedSerializer(submitted.attempt,
                                         context={"marks_hidden": submitted.marks_hidden}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
