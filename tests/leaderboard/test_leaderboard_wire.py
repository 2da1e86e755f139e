"""Board answers are built in their wire form by the selectors (no DRF serializer per request):
every kind of answer must be exactly what the documented serializers would render."""
from __future__ import annotations

import pytest
import redis
from django.conf import settings

from api.leaderboard.serializers import LeaderboardMeSerializer, LeaderboardPageSerializer
from leaderboard import keys
from tests.api.conftest import token_client
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _as_documented(response, serializer_class) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert serializer_class(body).data == body, body
    return body


def test_every_board_answer_has_exactly_the_documented_shape(graded_board, make_user):
    ids, url, staff = graded_board.ids, graded_board.url, graded_board.staff
    ada, dee = graded_board.clients["ada"], graded_board.clients["dee"]
    dee.put("/api/v1/leaderboard/visibility/", {"visibility": "anonymous"}, format="json")
    wait_until(lambda: ada.get(url).json()["results"][-1]["anonymous"])
    group = staff.post(f"/api/v1/courses/{graded_board.course}/groups/",
                       {"name": "A", "members": [ids["ada"], ids["dee"]]}, format="json").json()
    wait_until(lambda: ada.get(url, {"group": group["id"]}).json()["count"] == 2)
    graded_board.grade("bob", 8.5)  # a fractional score
    wait_until(lambda: ada.get(url).json()["results"][1]["score"] == 8.5)

    pages = [ada.get(url), staff.get(url), ada.get(url, {"group": group["id"]}),
             ada.get(url, {"users": f"{ids['bob']},{ids['dee']}"}), ada.get(url, {"window": "week"}),
             ada.get(url, {"offset": 10}), ada.get("/api/v1/leaderboard/")]
    for response in pages:
        _as_documented(response, LeaderboardPageSerializer)
    assert pages[0].json()["results"][-1]["user_id"] is None  # anonymous, to another learner
    assert pages[1].json()["results"][-1]["user_id"] == ids["dee"]  # but not to staff

    newcomer = token_client(make_user("eve"))
    assert newcomer.post(f"/api/v1/courses/{graded_board.course}/enroll/").status_code == 201
    mes = [ada.get(url + "me/"), dee.get(url + "me/", {"around": 3}), newcomer.get(url + "me/"),
           ada.get(url + "me/", {"group": group["id"]}),
           ada.get(url + "me/", {"users": str(ids["cy"])}),
           staff.get(url + f"users/{ids['dee']}/"), ada.get("/api/v1/leaderboard/me/")]
    for response in mes:
        _as_documented(response, LeaderboardMeSerializer)
    assert mes[2].json()["rank"] is None

    # A board lost to a flush: the "rebuilding" answers, then the rebuilt board.
    redis.Redis.from_url(settings.REDIS_URL).delete(keys.board_key(graded_board.course))
    rebuilding = _as_documented(ada.get(url + "me/"), LeaderboardMeSerializer)
    page = _as_documented(ada.get(url), LeaderboardPageSerializer)
    assert rebuilding["rebuilding"] or page["rebuilding"] or page["count"] == 4
    wait_until(lambda: ada.get(url + "me/").json()["rank"] == 1)


def test_board_reads_and_writes_survive_a_redis_script_flush(graded_board):
    """Scripts run by SHA; after a Redis restart (or SCRIPT FLUSH) they are loaded again."""
    ids, url, ada = graded_board.ids, graded_board.url, graded_board.clients["ada"]
    before = ada.get(url + "me/").json()
    redis.Redis.from_url(settings.REDIS_URL).script_flush()
    assert ada.get(url + "me/").json() == before
    redis.Redis.from_url(settings.REDIS_URL).script_flush()
    graded_board.grade("dee", 20)  # the worker's update script, loaded again too
    wait_until(lambda: graded_board.rows()[0] == (1, ids["dee"], 20))
