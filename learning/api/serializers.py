"""Input validation and output shapes of the learning API."""
from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from learning.documents import ITEM_KINDS, UNLOCK_MODES

MAX_MARKS = 1_000_000
RULES_HELP = ("Unlock rule: one condition — {\"all\": [...]}, {\"any\": [...]}, "
              "{\"completed\": ID_OR_KEY, \"min_score_percent\": 60}, "
              "{\"available_from\": \"2026-12-01T00:00:00Z\"} or {\"available_after_days\": 7}. "
              "See docs/progress.md.")
HEX_ID = r"^[0-9a-fA-F]{24}$"


class ObjectIdField(serializers.RegexField):
    """A 24-hex MongoDB id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": "Must be a 24-character hex id."})
        super().__init__(HEX_ID, **kwargs)


class QuestionSerializer(serializers.Serializer):
    prompt = serializers.CharField(max_length=2000)
    choices = serializers.ListField(child=serializers.CharField(max_length=500), min_length=2,
                                    max_length=20)
    answer = serializers.IntegerField(min_value=0)
    marks = serializers.FloatField(min_value=0, max_value=MAX_MARKS)

    def validate(self, attrs):
        if attrs["answer"] >= len(attrs["choices"]):
            raise serializers.ValidationError({"answer": "Must be the index of one of the choices."})
        return attrs


class ItemSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = serializers.CharField(max_length=100, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    max_marks = serializers.FloatField(min_value=0, max_value=MAX_MARKS, required=False)
    pass_marks = serializers.FloatField(min_value=0, max_value=MAX_MARKS, required=False,
                                        allow_null=True)
    optional = serializers.BooleanField(required=False, default=False)
    questions = QuestionSerializer(many=True, required=False)

    def validate(self, attrs):
        kind = attrs["kind"]
        questions = attrs.get("questions") or []
        if kind == "quiz":
            if not questions:
                raise serializers.ValidationError({"questions": "A quiz needs at least one question."})
            if len(questions) > settings.MAX_QUIZ_QUESTIONS:
                raise serializers.ValidationError(
                    {"questions": f"At most {settings.MAX_QUIZ_QUESTIONS} questions."})
            total = round(sum(q["marks"] for q in questions), 2)
            if "max_marks" in attrs and round(attrs["max_marks"], 2) != total:
                raise serializers.ValidationError(
                    {"max_marks": f"A quiz's max_marks is the sum of its question marks ({total})."})
            attrs["max_marks"] = total
        elif questions:
            raise serializers.ValidationError({"questions": "Only quizzes have questions."})
        if kind == "assignment" and not attrs.get("max_marks"):
            raise serializers.ValidationError({"max_marks": "An assignment needs max_marks > 0."})
        if kind in ("video", "article"):
            if attrs.get("max_marks"):
                raise serializers.ValidationError({"max_marks": f"A {kind} carries no marks."})
            if attrs.get("pass_marks") is not None:
                raise serializers.ValidationError({"pass_marks": f"A {kind} has no pass mark."})
            attrs["max_marks"] = 0.0
        pass_marks = attrs.get("pass_marks")
        if pass_marks is not None and pass_marks > attrs["max_marks"]:
            raise serializers.ValidationError({"pass_marks": "Must not exceed max_marks."})
        return attrs


class LessonSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = serializers.CharField(max_length=100, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    items = ItemSerializer(many=True, required=False, default=list)


class SectionSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = serializers.CharField(max_length=100, required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    lessons = LessonSerializer(many=True, required=False, default=list)


class CourseWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    unlock_mode = serializers.ChoiceField(choices=UNLOCK_MODES, required=False, default="sequential")
    published = serializers.BooleanField(required=False, default=False)
    sections = SectionSerializer(many=True, required=False, default=list)

    def validate_sections(self, sections):
        items = sum(len(lesson["items"]) for s in sections for lesson in s["lessons"])
        if items > settings.MAX_COURSE_ITEMS:
            raise serializers.ValidationError(
                f"A course holds at most {settings.MAX_COURSE_ITEMS} items ({items} given).")
        ids = [e["id"].lower() for e in _elements(sections) if "id" in e]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each section, lesson and item id may appear once.")
        keys = [e["key"] for e in _elements(sections) if e.get("key")]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("Each key may appear once in a course.")
        return sections


def _elements(sections):
    """Every section, lesson and item of an outline payload."""
    for section in sections:
        yield section
        for lesson in section["lessons"]:
            yield lesson
            yield from lesson["items"]


class CourseSummarySerializer(serializers.Serializer):
    """Shape of a course in lists (no outline)."""

    id = serializers.CharField()
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    unlock_mode = serializers.CharField()
    published = serializers.BooleanField()


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    password = serializers.CharField(min_length=8, max_length=128, write_only=True)
    display_name = serializers.CharField(max_length=100)
    avatar_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    is_staff = serializers.BooleanField(required=False, default=False)


class AttemptSerializer(serializers.Serializer):
    """One attempt: which fields apply depends on the item's kind (checked by the service)."""

    content_id = ObjectIdField()
    completed = serializers.BooleanField(required=False)
    answers = serializers.ListField(child=serializers.IntegerField(min_value=0, allow_null=True),
                                    required=False, max_length=settings.MAX_QUIZ_QUESTIONS)
    user_id = serializers.IntegerField(required=False, min_value=1)
    marks = serializers.FloatField(required=False, min_value=0, max_value=MAX_MARKS)
