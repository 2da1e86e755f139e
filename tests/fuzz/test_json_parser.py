"""The API's JSON parser on any body in any charset: storable JSON, or 400/413/415."""
from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError, UnsupportedMediaType

from api.parsers import BoundedJSONParser, PayloadTooLarge, json_text_load
from tests.fuzz.edges import TEXT_ENCODINGS, charsets, deep_json_texts, json_text, json_values

REFUSALS = (ParseError, UnsupportedMediaType, PayloadTooLarge)


def _parse(raw: bytes, charset: str):
    return BoundedJSONParser().parse(io.BytesIO(raw), "application/json",
                                     {"encoding": charset})


bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(json_text).map(str.encode),
    deep_json_texts().map(str.encode),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"NaN", b"[Infinity]", b'{"a": -Infinity}', b'"\\ud800"', b"1" * 5000,
                     b"\xef\xbb\xbf{}", b"\x00", b'{"a":1,"a":2}']),
)


@given(raw=bodies, charset=charsets)
@example(raw=b"{}", charset="rot13")  # a codec, but no text encoding
@example(raw=b"{}", charset="utf-8\x00")
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_body_in_any_charset_is_storable_json_or_a_4xx(raw, charset):
    try:
        data = _parse(raw, charset)
    except REFUSALS as exc:
        assert exc.status_code in (400, 413, 415) and str(exc.detail)
        return
    json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")


@given(value=json_values, charset=st.sampled_from(TEXT_ENCODINGS))
@settings(max_examples=300, deadline=None)
def test_json_in_any_text_encoding_that_can_hold_it_reads_back_unchanged(value, charset):
    try:
        raw = json_text(value).encode(charset)
    except (UnicodeError, LookupError):
        return  # the charset cannot hold these characters
    try:
        parsed = _parse(raw, charset)
    except ParseError:
        return  # e.g. lone surrogates, refused on purpose, or a codec that does not round-trip
    assert parsed == value or json.dumps(parsed) == json.dumps(value)


@given(text=st.text() | deep_json_texts() | json_values.map(json_text))
@settings(max_examples=300, deadline=None)
def test_the_admins_json_reading_returns_a_value_or_a_value_error(text):
    try:
        json_text_load(text)
    except ValueError as exc:
        assert str(exc)
