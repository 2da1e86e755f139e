"""HTTP views of the learning domain: users, courses, enrollment and attempts."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import NotFound
from learning import selectors, services
from learning.api.permissions import IsStaff, IsStaffOrReadOnly
from learning.api.presenters import course_detail, course_summary
from learning.api.serializers import (
    AttemptSerializer,
    CourseWriteSerializer,
    UserCreateSerializer,
)


def _validated(serializer_class, request: Request, *, partial: bool = False) -> dict:
    """Validate the JSON body, answering 400 with DRF's field errors if it is wrong."""
    if not isinstance(request.data, dict):
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"detail": "The body must be a JSON object."})
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class UserCreateView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(request=UserCreateSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = _validated(UserCreateSerializer, request)
        user = services.user_create(**data)
        return Response({"id": user.pk, "username": user.username, "is_staff": user.is_staff,
                         "display_name": data["display_name"],
                         "avatar_url": data.get("avatar_url") or None},
                        status=status.HTTP_201_CREATED)


class CourseListView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        courses = selectors.course_list(include_unpublished=request.user.is_staff)
        return Response({"count": len(courses), "results": [course_summary(c) for c in courses]})

    @extend_schema(request=CourseWriteSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = _validated(CourseWriteSerializer, request)
        course = services.course_create(data=data, created_by=request.user.pk)
        return Response(course_detail(course, show_answers=True), status=status.HTTP_201_CREATED)


class CourseDetailView(APIView):
    permission_classes = [IsStaffOrReadOnly]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, course_id: str) -> Response:
        course = selectors.course_get(course_id=course_id)
        if not course.published and not request.user.is_staff:
            raise NotFound(f"Course {course_id} not found")
        return Response(course_detail(course, show_answers=request.user.is_staff))

    @extend_schema(request=CourseWriteSerializer, responses={200: dict})
    def put(self, request: Request, course_id: str) -> Response:
        return self._update(request, course_id, partial=False)

    @extend_schema(request=CourseWriteSerializer, responses={200: dict})
    def patch(self, request: Request, course_id: str) -> Response:
        return self._update(request, course_id, partial=True)

    def _update(self, request: Request, course_id: str, *, partial: bool) -> Response:
        selectors.object_id_parse(course_id, what="course_id")
        data = _validated(CourseWriteSerializer, request, partial=partial)
        course = services.course_update(course_id=course_id, data=data)
        return Response(course_detail(course, show_answers=True))


class EnrollView(APIView):
    @extend_schema(request=None, responses={200: dict, 201: dict})
    def post(self, request: Request, course_id: str) -> Response:
        enrollment, created = services.enrollment_create(user=request.user, course_id=course_id)
        body = {"course_id": str(enrollment.course_id), "user_id": enrollment.user_id,
                "enrolled_at": enrollment.enrolled_at.isoformat().replace("+00:00", "Z")}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttemptCreateView(APIView):
    @extend_schema(request=AttemptSerializer, responses={202: dict})
    def post(self, request: Request, course_id: str) -> Response:
        data = _validated(AttemptSerializer, request)
        attempt = services.attempt_submit(actor=request.user, course_id=course_id, data=data)
        return Response(
            {"attempt_id": str(attempt.id), "course_id": str(attempt.course_id),
             "content_id": str(attempt.item_id), "user_id": attempt.user_id, "kind": attempt.kind,
             "marks": attempt.marks, "completed": attempt.completed,
             "submitted_at": attempt.submitted_at.isoformat().replace("+00:00", "Z")},
            status=status.HTTP_202_ACCEPTED,
        )
