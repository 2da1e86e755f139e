"""The API's JSON parser: bounded in size, strict about NaN/Infinity, invalid Unicode and charsets."""
from __future__ import annotations

import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


class BoundedJSONParser(JSONParser):
    """Reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, also for bodies sent without a
    Content-Length (chunked), which the middleware's header check cannot see."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body is larger than the {limit} bytes this "
                                  f"service accepts.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        except (LookupError, ValueError) as exc:
            # Django keeps any charset that names a codec, and rot13 or zlib are codecs but no
            # text encodings (LookupError); a NUL in the name is a ValueError.
            raise UnsupportedMediaType(f"{media_type or 'application/json'}",
                                       detail=f"Unsupported charset {encoding!r} in the "
                                              f"Content-Type; send JSON in UTF-8.") from exc
        try:
            return json_text_load(text)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def json_text_load(text: str) -> object:
    """JSON text as this service accepts it anywhere (API and admin); ValueError saying why not."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
        # Lone surrogates ("\ud800") parse but cannot be stored; refuse them here.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError as exc:
        raise ValueError("the JSON nests too deeply") from exc
    return data


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON; send a finite number")
