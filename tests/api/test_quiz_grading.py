"""Quizzes are graded on the server from the stored answer key."""
from __future__ import annotations

import pytest

from tests.api.conftest import C


@pytest.fixture
def quiz_open(api):
    """The learner has watched the video, so the quiz (two questions, 5 marks each) is open."""
    response = api.ada.post(api.url(C + "attempts/"), {"content_id": api.items[0], "completed": True},
                            format="json")
    assert response.status_code == 202
    return api


@pytest.mark.parametrize(("answers", "marks"), [([1, 0], 10), ([1, 1], 5), ([0, 1], 0),
                                                 ([None, 0], 5), ([None, None], 0)])
def test_quiz_marks_come_from_the_answer_key(quiz_open, answers, marks):
    api = quiz_open
    response = api.ada.post(api.url(C + "attempts/"), {"content_id": api.items[1], "answers": answers},
                            format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["marks"], body["kind"], body["completed"]) == (marks, "quiz", False)


def test_a_learner_cannot_send_their_own_quiz_marks(quiz_open):
    api = quiz_open
    response = api.ada.post(api.url(C + "attempts/"),
                            {"content_id": api.items[1], "answers": [0, 1], "marks": 10}, format="json")
    assert response.status_code == 403
