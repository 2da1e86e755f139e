"""Admin forms for courses and items; the API's serializers decide what is valid."""
from __future__ import annotations

from django import forms

from learning.documents import ITEM_KINDS, UNLOCK_MODES

OUTLINE_HELP = ("The outline as JSON: a list of sections, each with its lessons and their items, "
                "exactly as the API's PUT /api/v1/courses/{id}/ takes it. Keep the ids to keep "
                "attempts attached; leave them out for new elements. See docs/api.md.")


class CourseForm(forms.Form):
    """Course fields plus the outline as JSON; nothing is checked here but the JSON syntax."""

    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "vTextField"}))
    slug = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "vTextField"}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    unlock_mode = forms.ChoiceField(choices=[(m, m) for m in UNLOCK_MODES])
    published = forms.BooleanField(required=False)
    outline = forms.CharField(required=False, help_text=OUTLINE_HELP,
                              widget=forms.Textarea(attrs={"rows": 24, "cols": 100,
                                                           "class": "vLargeTextField",
                                                           "style": "font-family: monospace"}))


class ItemForm(forms.Form):
    """The editable fields of one item; the rest of the item (questions, rules) is kept."""

    title = forms.CharField(required=False, widget=forms.TextInput(attrs={"class": "vTextField"}))
    kind = forms.ChoiceField(choices=[(k, k) for k in ITEM_KINDS])
    max_marks = forms.FloatField(required=False, help_text=(
        "Assignments: required. Quizzes: the sum of the question marks (left empty, it is "
        "computed). Videos and articles: none."))
    pass_marks = forms.FloatField(required=False, help_text="Empty: no pass mark.")
    optional = forms.BooleanField(required=False,
                                  help_text="Optional items do not count towards completion.")
