"""Periods: day and month boards beside all-time and weekly ones, staff seasons, and archives of
finished periods readable after Redis dropped their boards — over HTTP with a real worker."""
from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from bson import ObjectId
from django.conf import settings
from django.test import Client

from config.celery import app as celery_app
from leaderboard import keys
from leaderboard import seasons as seasons_module
from leaderboard.documents import LeaderboardArchive, LeaderboardSeason
from leaderboard.scoring import day_containing, month_containing
from leaderboard.windows import current_periods
from tests.api.conftest import token_client
from tests.conftest import wait_until

pytestmark = [pytest.mark.flow, pytest.mark.django_db]


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_day_and_month_boards_follow_updates_and_name_their_period(graded_board):
    ids, url = graded_board.ids, graded_board.url
    today, month = day_containing(datetime.now(UTC)), month_containing(datetime.now(UTC))
    expected = [(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8), (4, ids["dee"], 5)]
    for window, period in (("day", today.label), ("month", month.label)):
        graded_board.becomes(expected, window=window)
        body = graded_board.staff.get(url, {"window": window}).json()
        assert (body["window"], body["period"], body["archived"]) == (window, period, False)
        assert graded_board.rows(**{window: period}) == expected  # named explicitly
    graded_board.grade("dee", 11)  # the update path writes today's and this month's boards
    graded_board.becomes([(1, ids["dee"], 11), (2, ids["ada"], 10), (3, ids["bob"], 8),
                          (4, ids["cy"], 8)], window="day")
    graded_board.becomes([(1, ids["dee"], 11), (2, ids["ada"], 10), (3, ids["bob"], 8),
                          (4, ids["cy"], 8)], window="month")
    me = graded_board.clients["dee"].get(url + "me/", {"window": "month"}).json()
    assert (me["rank"], me["period"]) == (1, month.label)
    # A past day with no attempts is an empty board; a future one, bad labels: 400; past the
    # retention with no archive: 404.
    yesterday = day_containing(today.start - timedelta(hours=1)).label
    wait_until(lambda: graded_board.staff.get(url, {"day": yesterday}).json()["rebuilding"] is False)
    assert graded_board.staff.get(url, {"day": yesterday}).json()["count"] == 0
    client = graded_board.clients["ada"]
    tomorrow = day_containing(today.end + timedelta(hours=1)).label
    for params in ({"day": tomorrow}, {"day": "2026-13-01"}, {"day": "29-11-2026"},
                   {"month": "2026-13"}, {"window": "all", "month": month.label},
                   {"window": "day", "month": month.label}, {"window": "season"},
                   # The calendar's last day: its end is past datetime's range (was a 500).
                   {"day": "9999-12-31"}, {"window": "day", "day": "9999-12-31"}):
        response = client.get(url, params)
        assert response.status_code == 400, (params, response.content)
        assert response.json()["code"]
    old = day_containing(today.start - timedelta(days=settings.LEADERBOARD_DAILY_RETENTION_DAYS + 2))
    gone = client.get(url, {"day": old.label})
    assert gone.status_code == 404 and gone.json()["code"] == "day_expired"
    for path in (url, url + "me/"):
        last_day = client.get(path, {"window": "day", "day": "9999-12-31"})
        assert last_day.status_code == 400 and last_day.json()["code"] == "invalid_day"
    # A month is named as asked: year 1 was labelled "1-01".
    first_month = client.get(url, {"month": "0001-01"})
    assert first_month.status_code == 404 and "0001-01" in first_month.json()["detail"]


def test_staff_define_seasons_that_never_overlap_and_each_has_a_board(graded_board):
    ids, url, staff = graded_board.ids, graded_board.url, graded_board.staff
    seasons = f"/api/v1/courses/{graded_board.course}/seasons/"
    now = datetime.now(UTC)
    body = {"name": "Winter", "start": _iso(now - timedelta(hours=1)),
            "end": _iso(now + timedelta(days=30))}
    assert graded_board.clients["ada"].post(seasons, body, format="json").status_code == 403
    created = staff.post(seasons, body, format="json")
    assert created.status_code == 201, created.content
    season = created.json()
    overlap = staff.post(seasons, {"name": "Clash", "start": _iso(now + timedelta(days=29)),
                                   "end": _iso(now + timedelta(days=40))}, format="json")
    assert overlap.status_code == 409 and overlap.json()["code"] == "season_overlap"
    backwards = staff.post(seasons, {"name": "Back", "start": _iso(now + timedelta(days=50)),
                                     "end": _iso(now + timedelta(days=40))}, format="json")
    assert backwards.status_code == 400 and backwards.json()["code"] == "invalid_season"
    unnamed = staff.post(seasons, {**body, "name": 2027}, format="json")  # a string, not converted
    assert unnamed.status_code == 400 and "name" in unnamed.json()
    assert staff.post(seasons, {"name": "x"}, format="json").status_code == 400
    later = staff.post(seasons, {"name": "Spring", "start": _iso(now + timedelta(days=30)),
                                 "end": _iso(now + timedelta(days=60))}, format="json")
    assert later.status_code == 201  # touching, not overlapping
    listed = graded_board.clients["ada"].get(seasons).json()
    assert [s["name"] for s in listed] == ["Winter", "Spring"]

    expected = [(1, ids["ada"], 10), (2, ids["bob"], 8), (3, ids["cy"], 8), (4, ids["dee"], 5)]
    graded_board.becomes(expected, window="season", season=season["id"])
    graded_board.grade("cy", 12)  # written to the running season's board by the update path
    graded_board.becomes([(1, ids["cy"], 12), (2, ids["ada"], 10), (3, ids["bob"], 8),
                          (4, ids["dee"], 5)], season=season["id"])
    body = staff.get(url, {"season": season["id"]}).json()
    assert (body["window"], body["period"]) == ("season", season["id"])
    not_started = staff.get(url, {"season": later.json()["id"]})
    assert not_started.status_code == 400 and not_started.json()["code"] == "invalid_season"
    unknown = staff.get(url, {"season": "0" * 24})
    assert unknown.status_code == 404 and unknown.json()["code"] == "season_not_found"


@pytest.mark.parametrize("lock_works", [True, False], ids=["lock", "lock-expired-at-once"])
def test_two_overlapping_seasons_created_at_the_same_instant_never_both_succeed(
        staff_client, course, make_user, monkeypatch, lock_works):
    seasons = f"/api/v1/courses/{course['id']}/seasons/"
    # Every read takes a server's round trip (the embedded store answers at once otherwise).
    collection_class = type(LeaderboardSeason._get_collection())
    find_one = collection_class.find_one

    def find_one_over_the_network(self, *args, **kwargs):
        time.sleep(0.002)
        return find_one(self, *args, **kwargs)

    monkeypatch.setattr(collection_class, "find_one", find_one_over_the_network)
    if not lock_works:  # a holder stalled past its lease, or a clock ahead: the check after
        monkeypatch.setattr(seasons_module, "_LOCK_SECONDS", -1)  # the insert still holds
    clients = [staff_client, token_client(make_user("staff2", staff=True))]
    for client in clients:  # tokens checked now are cached: the threads need no SQL query
        assert client.get(seasons).status_code == 200
    start = datetime.now(UTC) + timedelta(days=1)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave between any two MongoDB operations
    try:
        for round_ in range(30):
            begin = start + timedelta(days=10 * round_)
            barrier, answers = threading.Barrier(2), []

            def create(client, offset: int, begin=begin, barrier=barrier, answers=answers) -> None:
                barrier.wait()
                answers.append(client.post(seasons, {
                    "name": f"S{begin:%j}-{offset}", "start": _iso(begin + timedelta(days=offset)),
                    "end": _iso(begin + timedelta(days=5 + offset))}, format="json"))

            threads = [threading.Thread(target=create, args=(c, i)) for i, c in enumerate(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            codes = sorted(a.status_code for a in answers)
            assert codes in ([201, 409], [409, 409] if not lock_works else [201, 409]), [
                (a.status_code, a.content) for a in answers]
    finally:
        sys.setswitchinterval(switch)
    stored = sorted((s["start"], s["end"]) for s in staff_client.get(seasons).json())
    assert all(end <= start for (_, end), (start, _) in zip(stored, stored[1:], strict=False))
    assert len(stored) == 30 if lock_works else 0 < len(stored) <= 30


def test_a_finished_season_is_archived_and_read_from_the_archive_once_redis_dropped_it(
        graded_board, make_user, settings):
    ids, url, staff_client = graded_board.ids, graded_board.url, graded_board.staff
    seasons = f"/api/v1/courses/{graded_board.course}/seasons/"
    now = datetime.now(UTC)
    end = now + timedelta(seconds=3)
    season = staff_client.post(seasons, {"name": "Sprint", "start": _iso(now - timedelta(days=2)),
                                         "end": _iso(end)}, format="json").json()
    graded_board.clients["bob"].put("/api/v1/leaderboard/visibility/", {"visibility": "hidden"},
                                    format="json")
    graded_board.becomes([(1, ids["ada"], 10), (2, ids["cy"], 8), (3, ids["dee"], 5)],
                         season=season["id"])
    wait_until(lambda: datetime.now(UTC) > end)  # the season is over
    settings.LEADERBOARD_ARCHIVE_GRACE_MINUTES = 0
    celery_app.send_task("ARCHIVE_LEADERBOARDS")
    wait_until(lambda: LeaderboardArchive.objects(window=f"season:{season['id']}").count() == 1)
    archive = LeaderboardArchive.objects.get(window=f"season:{season['id']}")
    assert archive.count == 3 and [e["user_id"] for e in archive.top] == [
        ids["ada"], ids["cy"], ids["dee"]]
    assert LeaderboardArchive.objects(kind="week").count() == 2  # the last two weeks, too
    # Redis drops the season's board; reads come from the frozen archive.
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cache.delete(*keys.board_keys(graded_board.course, f"season:{season['id']}"))
    page = graded_board.clients["dee"].get(url, {"season": season["id"]}).json()
    assert page["archived"] is True and page["count"] == 3
    assert [(r["rank"], r["user_id"], r["score"]) for r in page["results"]] == [
        (1, ids["ada"], 10), (2, ids["cy"], 8), (3, ids["dee"], 5)]
    me = graded_board.clients["dee"].get(url + "me/", {"season": season["id"], "around": 1}).json()
    assert (me["rank"], me["score"], me["archived"], me["percentile"]) == (3, 5, True, 33.3)
    assert [e["user_id"] for e in me["around"]] == [ids["cy"], ids["dee"]]
    hidden = graded_board.clients["bob"].get(url + "me/", {"season": season["id"]}).json()
    assert (hidden["rank"], hidden["hidden"]) == (2, True)  # behind Ada, before Cy (earlier)
    # Frozen: a later grade does not change the archived board.
    graded_board.grade("dee", 20)
    wait_until(lambda: graded_board.rows()[0][1] == ids["dee"])
    assert graded_board.rows(season=season["id"])[0][1] == ids["ada"]
    # Shown in the admin.
    browser = Client()
    browser.force_login(make_user("admin", staff=True))
    html = browser.get("/admin/data/leaderboard-archives/").content.decode()
    assert season["id"] in html and "Sprint" not in html  # listed by period and id


def test_a_groups_finished_season_is_archived_read_from_the_archive_and_deleted_with_it(
        graded_board, make_user, settings):
    ids, url, staff_client = graded_board.ids, graded_board.url, graded_board.staff
    groups = f"/api/v1/courses/{graded_board.course}/groups/"
    group = staff_client.post(groups, {"name": "Cohort", "members": [ids["bob"], ids["dee"]]},
                              format="json").json()
    now = datetime.now(UTC)
    end = now + timedelta(seconds=3)
    season = staff_client.post(f"/api/v1/courses/{graded_board.course}/seasons/",
                               {"name": "Sprint", "start": _iso(now - timedelta(days=2)),
                                "end": _iso(end)}, format="json").json()
    graded_board.becomes([(1, ids["bob"], 8), (2, ids["dee"], 5)], season=season["id"],
                         group=group["id"])
    wait_until(lambda: datetime.now(UTC) > end)
    settings.LEADERBOARD_ARCHIVE_GRACE_MINUTES = 0
    celery_app.send_task("ARCHIVE_LEADERBOARDS")
    name = f"g:{group['id']}:season:{season['id']}"
    wait_until(lambda: LeaderboardArchive.objects(window=name).count() == 1)
    archive = LeaderboardArchive.objects.get(window=name)
    assert (archive.count, str(archive.group)) == (2, group["id"])
    assert [e["user_id"] for e in archive.top] == [ids["bob"], ids["dee"]]
    assert LeaderboardArchive.objects(window=f"season:{season['id']}").get().count == 4
    # Redis drops the group's season board; its members read the frozen archive.
    cache = redis.Redis.from_url(settings.REDIS_URL)
    cache.delete(*keys.board_keys(graded_board.course, name))
    dee = graded_board.clients["dee"]
    page = dee.get(url, {"season": season["id"], "group": group["id"]}).json()
    assert (page["archived"], page["count"], page["group"]) == (True, 2, group["id"])
    assert [(r["rank"], r["user_id"]) for r in page["results"]] == [(1, ids["bob"]), (2, ids["dee"])]
    me = dee.get(url + "me/", {"season": season["id"], "group": group["id"]}).json()
    assert (me["rank"], me["archived"], me["count"]) == (2, True, 2)
    assert graded_board.clients["ada"].get(url, {"season": season["id"], "group": group["id"]}
                                           ).status_code == 403  # not a member
    # Shown in the admin with its group; deleting the group deletes its archives.
    browser = Client()
    browser.force_login(make_user("admin", staff=True))
    assert group["id"] in browser.get("/admin/data/leaderboard-archives/").content.decode()
    assert staff_client.delete(groups + group["id"] + "/").status_code == 204
    assert LeaderboardArchive.objects(group=group["id"]).count() == 0
    assert LeaderboardArchive.objects(window=f"season:{season['id']}").count() == 1


def test_beat_prebuilds_the_next_day_week_month_and_season_before_they_start(graded_board,
                                                                             settings):
    staff, course = graded_board.staff, graded_board.course
    now = datetime.now(UTC)
    season = staff.post(f"/api/v1/courses/{course}/seasons/", {
        "name": "Next", "start": _iso(now + timedelta(hours=2)),
        "end": _iso(now + timedelta(days=3))}, format="json").json()
    # Every next period starts within the horizon (over 31 days), which ends near noon UTC: far
    # from a day's, week's or month's boundary, so the task, run a moment later, sees the same.
    hours = 24 * 32 + 12 - now.hour
    settings.LEADERBOARD_PREBUILD_HOURS = hours
    cache = redis.Redis.from_url(settings.REDIS_URL)
    upcoming = [p.name for p in current_periods(now=now + timedelta(hours=hours)) if p.start > now]
    celery_app.send_task("PREBUILD_WEEKLY_BOARDS")
    names = [*upcoming, f"season:{season['id']}"]
    wait_until(lambda: all(cache.exists(keys.board_key(course, n), keys.empty_marker_key(course, n))
                           for n in names))
    assert {n.split(":")[0] for n in names} == {"day", "week", "month", "season"}


def test_a_season_ending_at_the_calendars_end_is_refused_and_one_stored_breaks_no_update(
        graded_board):
    ids, staff = graded_board.ids, graded_board.staff
    seasons = f"/api/v1/courses/{graded_board.course}/seasons/"
    start = datetime.now(UTC) - timedelta(hours=1)
    for end in ("9999-12-31T23:59:59.999999Z", "9000-01-01T00:00:01Z"):
        refused = staff.post(seasons, {"name": "Forever", "start": _iso(start), "end": end},
                             format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_season", end
    # One stored before the bound existed: its board's expiry (end + retention) is past the
    # calendar, which failed every board update of the course, for good.
    LeaderboardSeason._get_collection().insert_one({
        "course_id": ObjectId(graded_board.course), "name": "Forever", "start": start,
        "end": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), "created_by": 1,
        "created_at": datetime.now(UTC)})
    graded_board.grade("dee", 11)
    graded_board.becomes([(1, ids["dee"], 11), (2, ids["ada"], 10), (3, ids["bob"], 8),
                          (4, ids["cy"], 8)])
