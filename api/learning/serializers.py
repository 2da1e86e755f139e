"""What the learning API reads (validated input) and writes (responses)."""
from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    MAX_USER_ID,
    JSONBooleanField,
    JSONCharField,
    JSONFloatField,
    JSONIntegerField,
    JSONRegexField,
    JSONSlugField,
    JSONURLField,
    MarksField,
    ObjectIdField,
)
from learning.documents import ITEM_KINDS, UNLOCK_MODES
from learning.grading import GRADED_KINDS, MAX_CATEGORIES, MAX_LETTERS
from learning.moments import moment_format, moment_parse
from learning.outline import payload_elements
from learning.policy import LATE_ACCEPT, LATE_MODES, REVEAL_CHOICES, AttemptPolicy, LatePolicy

MAX_MARKS = 1_000_000
MAX_CHOICES = 20
MAX_ATTEMPTS_LIMIT = 1000
MAX_SECTION_REFS = 200
RULES_HELP = ("Unlock rule: one condition — {\"all\": [...]}, {\"any\": [...]}, "
              "{\"completed\": ID_OR_KEY, \"min_score_percent\": 60}, "
              "{\"available_from\": \"2026-12-01T00:00:00Z\"} or {\"available_after_days\": 7}. "
              "See docs/progress.md.")


class QuestionSerializer(serializers.Serializer):
    prompt = JSONCharField(max_length=2000)
    choices = serializers.ListField(child=JSONCharField(max_length=500), min_length=2,
                                    max_length=MAX_CHOICES)
    answer = JSONIntegerField(min_value=0, max_value=MAX_CHOICES - 1)
    marks = JSONFloatField(min_value=0, max_value=MAX_MARKS)

    def validate(self, attrs):
        if attrs["answer"] >= len(attrs["choices"]):
            raise serializers.ValidationError({"answer": "Must be the index of one of the choices."})
        return attrs


class AttemptPolicySerializer(serializers.Serializer):
    """How often a learner may attempt an item and when they see its marks (docs/security.md)."""

    max_attempts = JSONIntegerField(required=False, allow_null=True, min_value=1,
                                    max_value=MAX_ATTEMPTS_LIMIT,
                                    help_text="Attempts a learner may make (null: unlimited).")
    cooldown_seconds = JSONIntegerField(required=False, min_value=0, max_value=30 * 24 * 3600,
                                        help_text="Seconds a learner waits between attempts.")
    reveal_marks = serializers.ChoiceField(
        choices=REVEAL_CHOICES, required=False,
        help_text="When learners see their marks: immediately, after_due (the item's due_at), "
                  "or never. Staff always see them; hidden marks do not count on leaderboards "
                  "until they are shown.")


class GradingCategorySerializer(serializers.Serializer):
    name = JSONCharField(max_length=100)
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=GRADED_KINDS), required=False,
                                  max_length=2, help_text="Items of these kinds (quiz, assignment).")
    sections = serializers.ListField(child=JSONCharField(max_length=100), required=False,
                                     max_length=MAX_SECTION_REFS,
                                     help_text="Or: the items of these sections (key or id).")
    weight = JSONFloatField(min_value=0, max_value=100)
    drop_lowest = JSONIntegerField(required=False, min_value=0, max_value=1000, default=0,
                                   help_text="Leave out this many lowest-scoring items.")


class LetterSerializer(serializers.Serializer):
    letter = JSONCharField(max_length=10)
    min_percent = JSONFloatField(min_value=0, max_value=100)


class GradingSerializer(serializers.Serializer):
    """A grading policy: weighted categories (weights add up to 100), a pass mark, letters."""

    categories = GradingCategorySerializer(many=True, min_length=1, max_length=MAX_CATEGORIES)
    pass_percent = JSONFloatField(required=False, min_value=0, max_value=100, default=50)
    letters = LetterSerializer(many=True, required=False, max_length=MAX_LETTERS, default=list,
                               help_text="From the highest min_percent down.")


class LatePolicySerializer(serializers.Serializer):
    """What happens to an attempt made after its item's due moment."""

    mode = serializers.ChoiceField(choices=LATE_MODES, required=False, default=LATE_ACCEPT,
                                   help_text="accept (marked late), penalty_percent (marks reduced "
                                             "per started day late) or refuse (403 past_due).")
    percent_per_day = JSONFloatField(required=False, min_value=0, max_value=100, default=0)
    max_percent = JSONFloatField(required=False, min_value=0, max_value=100, default=100)


class DueDateField(JSONCharField):
    """An ISO 8601 date-time, stored in UTC to the second ("2026-12-01T00:00:00Z")."""

    def to_internal_value(self, data):
        moment = moment_parse(super().to_internal_value(data))
        if moment is None:
            raise serializers.ValidationError(
                "Must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z.")
        return moment_format(moment)


class ItemSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = JSONCharField(max_length=100, required=False, allow_null=True)
    title = JSONCharField(max_length=200)
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    max_marks = JSONFloatField(min_value=0, max_value=MAX_MARKS, required=False)
    pass_marks = JSONFloatField(min_value=0, max_value=MAX_MARKS, required=False, allow_null=True)
    optional = JSONBooleanField(required=False, default=False)
    questions = QuestionSerializer(many=True, required=False)
    due_at = DueDateField(required=False, allow_null=True,
                          help_text="When the item is due (UTC); marks shown after_due appear then.")
    due_after_days = JSONIntegerField(required=False, allow_null=True, min_value=0, max_value=3650,
                                      help_text="Or: due this many days after each learner enrolled.")
    attempt_policy = AttemptPolicySerializer(required=False,
                                             help_text="This item's own settings; the rest comes "
                                                       "from the course's attempt_policy.")

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
        if attrs.get("due_at") and attrs.get("due_after_days") is not None:
            raise serializers.ValidationError({"due_after_days": "Give due_at or due_after_days, "
                                                                 "not both."})
        return attrs


class LessonSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = JSONCharField(max_length=100, required=False, allow_null=True)
    title = JSONCharField(max_length=200)
    items = ItemSerializer(many=True, required=False, default=list)


class SectionSerializer(serializers.Serializer):
    id = ObjectIdField(required=False)
    rules = serializers.JSONField(required=False, help_text=RULES_HELP)
    key = JSONCharField(max_length=100, required=False, allow_null=True)
    title = JSONCharField(max_length=200)
    lessons = LessonSerializer(many=True, required=False, default=list)


@extend_schema_field(SectionSerializer(many=True))
class OutlineField(serializers.Field):
    """The sections of a course, validated in full even in a PATCH (DRF's partial validation
    would skip the required fields of nested serializers)."""

    def to_internal_value(self, data):
        serializer = SectionSerializer(data=data, many=True)
        if not serializer.is_valid():
            raise serializers.ValidationError(serializer.errors)
        return serializer.validated_data


class CourseWriteSerializer(serializers.Serializer):
    title = JSONCharField(max_length=200)
    slug = JSONSlugField(max_length=100)
    description = JSONCharField(max_length=10_000, required=False, allow_blank=True)
    unlock_mode = serializers.ChoiceField(choices=UNLOCK_MODES, required=False, default="sequential")
    published = JSONBooleanField(required=False, default=False)
    attempt_policy = AttemptPolicySerializer(required=False,
                                             help_text="Default attempt policy of the items.")
    grading = GradingSerializer(required=False, allow_null=True,
                                help_text="How the grade is made (none: no grade). See docs/progress.md.")
    late_policy = LatePolicySerializer(required=False, help_text="Late work (default: accepted).")
    sections = OutlineField(required=False, default=list)

    def validate_sections(self, sections):
        items = sum(len(lesson["items"]) for s in sections for lesson in s["lessons"])
        if items > settings.MAX_COURSE_ITEMS:
            raise serializers.ValidationError(
                f"A course holds at most {settings.MAX_COURSE_ITEMS} items ({items} given).")
        ids = [e["id"].lower() for e in payload_elements(sections) if "id" in e]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each section, lesson and item id may appear once.")
        keys = [e["key"] for e in payload_elements(sections) if e.get("key")]
        if len(keys) != len(set(keys)):
            raise serializers.ValidationError("Each key may appear once in a course.")
        return sections


class UserCreateSerializer(serializers.Serializer):
    username = JSONRegexField(r"^[\w.@+-]+$", max_length=150)
    password = JSONCharField(max_length=128, write_only=True,
                             help_text="Checked by the password validators (docs/security.md).")
    display_name = JSONCharField(max_length=100)
    avatar_url = JSONURLField(max_length=500, required=False, allow_blank=True)
    is_staff = JSONBooleanField(required=False, default=False)


class AttemptSerializer(serializers.Serializer):
    """One attempt: which fields apply depends on the item's kind (checked by the service)."""

    content_id = ObjectIdField()
    completed = JSONBooleanField(required=False)
    answers = serializers.ListField(
        child=JSONIntegerField(min_value=0, max_value=MAX_CHOICES - 1, allow_null=True),
        required=False, max_length=settings.MAX_QUIZ_QUESTIONS,
        help_text="Quiz: one choice index per question, in order (null = unanswered).")
    user_id = JSONIntegerField(required=False, min_value=1, max_value=MAX_USER_ID,
                               help_text="Assignment grades (staff): the learner graded.")
    marks = JSONFloatField(required=False, min_value=0, max_value=MAX_MARKS,
                           help_text="Assignment grades (staff): 0 to the item's max_marks.")


# --- Responses: these serializers render what the views return, and document it ---------------

class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)


class CourseSummarySerializer(serializers.Serializer):
    """A course in lists (no outline)."""

    id = serializers.CharField()
    title = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    unlock_mode = serializers.ChoiceField(choices=UNLOCK_MODES)
    published = serializers.BooleanField()


class CourseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = CourseSummarySerializer(many=True)


class QuestionOutSerializer(serializers.Serializer):
    prompt = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    marks = MarksField()
    answer = serializers.IntegerField(required=False, help_text="Staff only.")

    def to_representation(self, question):
        body = super().to_representation(question)
        if not self.context.get("show_answers"):
            del body["answer"]  # the answer key never reaches learners
        return body


class ItemOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    max_marks = MarksField()
    pass_marks = MarksField(allow_null=True)
    optional = serializers.BooleanField()
    rules = serializers.DictField(help_text="Normalised unlock rule (references are ids).")
    questions = QuestionOutSerializer(many=True, required=False, help_text="Quizzes only.")
    due_at = serializers.CharField(allow_null=True)
    due_after_days = serializers.IntegerField(allow_null=True)
    attempt_policy = serializers.DictField(help_text="The item's own settings (as sent).")
    effective_attempt_policy = serializers.SerializerMethodField(
        help_text="What applies: the course's default with the item's settings on top.")

    @extend_schema_field(AttemptPolicySerializer)
    def get_effective_attempt_policy(self, item) -> dict:
        return self.context["outline"].policy_index[item.id].as_dict()

    def to_representation(self, item):
        body = super().to_representation(item)
        if item.kind != "quiz":
            del body["questions"]
        return body


class LessonOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    rules = serializers.DictField()
    items = ItemOutSerializer(many=True)


class SectionOutSerializer(serializers.Serializer):
    id = serializers.CharField()
    key = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    rules = serializers.DictField()
    lessons = LessonOutSerializer(many=True)


class CourseDetailSerializer(CourseSummarySerializer):
    """A course with its whole outline; quiz answers only with `show_answers` in the context."""

    outline_version = serializers.IntegerField()
    attempt_policy = serializers.SerializerMethodField(
        help_text="Default attempt policy of the items (all fields filled in).")
    grading = serializers.SerializerMethodField(help_text="The grading policy, section references "
                                                "as ids; null: no grade.")
    late_policy = serializers.SerializerMethodField()
    revision = serializers.IntegerField(help_text="Bumped by every edit; also the ETag header.")
    sections = serializers.SerializerMethodField()

    @extend_schema_field(SectionOutSerializer(many=True))
    def get_sections(self, course) -> list:
        return SectionOutSerializer(self.context["outline"].sections, many=True,
                                    context=self.context).data

    @extend_schema_field(AttemptPolicySerializer)
    def get_attempt_policy(self, course) -> dict:
        return AttemptPolicy().overridden(course.attempt_policy or {}).as_dict()

    @extend_schema_field(GradingSerializer(allow_null=True))
    def get_grading(self, course) -> dict | None:
        return dict(course.grading) if course.grading else None

    @extend_schema_field(LatePolicySerializer)
    def get_late_policy(self, course) -> dict:
        return asdict(LatePolicy.of(course.late_policy or {}))

    def to_representation(self, course):
        # The items' effective policies come from the outline, parsed once for the whole tree.
        self.context.setdefault("outline", course.outline)
        return super().to_representation(course)


class EnrollmentSerializer(serializers.Serializer):
    course_id = serializers.CharField()
    user_id = serializers.IntegerField()
    enrolled_at = serializers.DateTimeField()


class AttemptAcceptedSerializer(serializers.Serializer):
    attempt_id = serializers.CharField(source="id")
    course_id = serializers.CharField()
    content_id = serializers.CharField(source="item_id")
    user_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    marks = serializers.FloatField(allow_null=True, help_text="Quiz marks graded on the server, "
                                   "or the staff grade; null for videos and articles, and while "
                                   "the item's policy hides marks from the learner.")
    marks_hidden = serializers.SerializerMethodField(
        help_text="True when the item's policy does not show marks to the learner yet.")
    completed = serializers.BooleanField()
    late = serializers.BooleanField(help_text="Made after the item's due moment.")
    penalty_percent = serializers.FloatField(help_text="Percent of the marks a late attempt lost "
                                             "(the course's late policy).")
    submitted_at = serializers.DateTimeField()

    def get_marks_hidden(self, attempt) -> bool:
        return bool(self.context.get("marks_hidden"))

    def to_representation(self, attempt):
        body = super().to_representation(attempt)
        if self.context.get("marks_hidden"):
            body["marks"] = None
        return body
