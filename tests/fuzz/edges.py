"""Edge values and strategies for fuzzing the parsers: the ends of the calendar, digits that are
not ASCII, every codec name, deep nesting. The served schemathesis run mixes the same lists in."""
from __future__ import annotations

import codecs
import encodings.aliases
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

WEEKS = ["9999-W52", "9999-W01", "0001-W01", "0000-W01", "2020-W53", "2026-W53", "2026-W00",
         "١٢٣٤-W01", "2026-W4８"]
DATES = ["0001-01-01", "0001-01-02", "0001-01-29", "9999-12-31", "2024-02-29", "2026-02-29",
         "2026-13-01", "٢٠٢٦-٠١-٠١"]
NUMBERS = ["²", "①", "١٢", "12345678901234567890", "9223372036854775808", "0", "-1", "1e3", "1.0",
           " 1", "00000000000000000001"]
MOMENTS = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
           "9999-12-31T23:59:59Z", "2026-13-01T00:00:00Z", "0999-06-01T12:00:00Z",
           "2026-02-29T00:00:00Z", "2026-01-01T24:00:00Z"]


def _is_text_encoding(name: str) -> bool:
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return False


# Every codec name Python resolves: text encodings, and codecs that are not (rot13, zlib, ...).
CODEC_NAMES = sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()))
TEXT_ENCODINGS = [name for name in CODEC_NAMES if _is_text_encoding(name)]
NOT_TEXT_ENCODINGS = [name for name in CODEC_NAMES if not _is_text_encoding(name)]

charsets = st.one_of(st.sampled_from(TEXT_ENCODINGS), st.sampled_from(NOT_TEXT_ENCODINGS),
                     st.text(max_size=12))

# Characters str.isdigit() accepts besides 0-9 ("²", "①", "١"...), and ASCII digits.
digit_like = st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789²³¹①")
number_like = st.text(digit_like, min_size=1, max_size=25) | st.sampled_from(NUMBERS)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                      max_size=4),
    max_leaves=20)


@st.composite
def deep_json_texts(draw) -> str:
    """Arrays and objects nested from a few to many thousand levels."""
    depth = draw(st.integers(1, 3000) | st.sampled_from([900, 950, 990, 1000, 10_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]))
    return opener * depth + draw(st.sampled_from(["1", "[]", "{}", ""])) + closer * depth


_offsets = st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def moment_texts(draw) -> str:
    """ISO 8601 date-times across years 1-9999 with any UTC offset, and near misses."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)))
    zone = draw(st.none() | st.just(UTC) | _offsets)
    text = moment.replace(tzinfo=zone).isoformat()
    if zone is UTC and draw(st.booleans()):
        text = text.replace("+00:00", "Z")
    return draw(st.sampled_from([text, text.replace("T", " "), text[:10], text + "x",
                                 text.replace("-", "/", 1)]))


any_text = st.text() | st.sampled_from(MOMENTS + DATES + WEEKS + NUMBERS) | number_like


def json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)
