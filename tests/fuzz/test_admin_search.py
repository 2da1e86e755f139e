"""The admin's search on any text: a result list, never an error, and queries MongoDB takes."""
from __future__ import annotations

import bson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backoffice import correction_selectors, selectors
from backoffice.listing import search_text
from tests.fuzz.edges import any_text, number_like

pytestmark = pytest.mark.django_db

SEARCHES = [
    lambda q: selectors.course_search(query=q, published=None, unlock_mode=None),
    lambda q: selectors.enrollment_search(query=q, course_id=None),
    lambda q: selectors.attempt_search(query=q, course_id=None, kind=None, graded=None),
    lambda q: selectors.progress_search(query=q, course_id=None, status=None),
    lambda q: selectors.activity_search(query=q, course_id=None, verb=None),
    lambda q: correction_selectors.override_change_search(query=q, course_id=None, action=None),
    lambda q: correction_selectors.reset_search(query=q, course_id=None, status=None),
    lambda q: correction_selectors.erasure_search(query=q, status=None),
    lambda q: correction_selectors.archived_attempt_search(query=q, course_id=None, archived_by=None),
]
texts = any_text | number_like | st.sampled_from(["0123456789abcdef01234567\n", "\x00", "9" * 5000])


@given(text=texts)
@example(text="²")  # str.isdigit(), but not for int()
@example(text="12345678901234567890")  # beyond 64 bits
@example(text="a\x00")  # MongoDB refuses NUL in a regex
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_search_text_gives_a_list_and_a_query_mongodb_accepts(staff, text):
    query = search_text(text)  # as the list pages read ?q=
    for search in SEARCHES:
        found = search(query)
        # A real MongoDB refuses integers beyond 64 bits when the query is encoded (mongomock
        # does not), so check the encoding the driver would do.
        bson.encode(found._query if hasattr(found, "_query") else {})
        assert isinstance(list(found[:5]), list)
    assert isinstance(selectors.item_search(query=query, course_id=None, kind=None, optional=None),
                      list)


@given(text=texts)
@settings(max_examples=300, deadline=None)
def test_a_searched_user_id_is_one_both_stores_hold_or_none(text):
    user_id = selectors.user_id_searched(text)
    assert user_id is None or 0 <= user_id < 2**63
