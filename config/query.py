"""Query-string fields that refuse a blank value (`?limit=`) instead of using the default."""
from __future__ import annotations

from rest_framework import serializers


class _NoBlankMixin:
    def get_value(self, dictionary):
        # DRF treats `?name=` as "not given"; a client that sends it meant something: refuse it.
        if self.field_name in dictionary and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class QueryIntegerField(_NoBlankMixin, serializers.IntegerField):
    pass


class QueryBooleanField(_NoBlankMixin, serializers.BooleanField):
    pass


class QueryChoiceField(_NoBlankMixin, serializers.ChoiceField):
    pass


class QueryRegexField(_NoBlankMixin, serializers.RegexField):
    pass
