"""The base of query-string serializers on hot read paths."""
from __future__ import annotations

from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict


class QuerySerializer(serializers.Serializer):
    """A serializer of query parameters whose fields are built once per class and shared.

    DRF deep-copies every declared field for each serializer instance (a third of a "my rank"
    request's time, measured by bench/leaderboard.py); validating a query string never changes
    a field, so one bound set serves every request and thread. Only for serializers that read
    no `context` and change no field per instance.
    """

    @property
    def fields(self) -> BindingDict:
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            template = cls()  # the fields' parent: an instance that holds no request's data
            shared = BindingDict(template)
            for name, field in template.get_fields().items():
                shared[name] = field
            cls._shared_fields = shared
        return shared
