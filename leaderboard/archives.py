"""Archives of finished periods (days, weeks, months, seasons): frozen in MongoDB, readable after
their Redis board expired — the top entries and every learner's final rank."""
from __future__ import annotations

import bisect
import logging
from datetime import datetime, timedelta

from bson import ObjectId
from django.conf import settings
from django.utils import timezone

from config.redis import redis_client
from leaderboard import keys
from leaderboard.archive_reads import archive_entries
from leaderboard.documents import LeaderboardArchive, LeaderboardArchiveRank
from leaderboard.groups import group_exists, group_ids_all
from leaderboard.scoring import (
    COMPETITION,
    DENSE,
    TIME_BITS,
    Window,
    composite_decode,
    slice_ranks,
)
from leaderboard.seasons import seasons_ended
from leaderboard.selectors import leaderboard_config_get
from leaderboard.services import leaderboard_board_rebuild
from leaderboard.windows import current_periods, period_containing
from learning.selectors import course_ids_all

logger = logging.getLogger(__name__)
_CHUNK = 10_000


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _board_read(course_id: str, window: Window) -> tuple[list[tuple[int, int]], list, set[int]]:
    """Every listed member (user, composite) best first, the hidden ones, the anonymous ones."""
    client, name = redis_client(), window.name
    listed: list[tuple[int, int]] = []
    start = 0
    while True:
        chunk = client.zrevrange(keys.board_key(course_id, name), start, start + _CHUNK - 1,
                                 withscores=True)
        listed += [(int(member), int(score)) for member, score in chunk]
        if len(chunk) < _CHUNK:
            break
        start += _CHUNK
    hidden = [(int(m), int(s)) for m, s in
              client.zrange(keys.hidden_key(course_id, name), 0, -1, withscores=True)]
    anonymous = {int(m) for m in client.smembers(keys.anonymous_key(course_id, name))}
    return listed, hidden, anonymous


def period_archive(*, course_id: str, window: Window) -> dict:
    """Rebuild the finished period's board from MongoDB and freeze it in an archive (again:
    replaced). Hidden learners get the rank their score would have, and stay off pages."""
    result = leaderboard_board_rebuild(course_id=course_id, window=window)
    if result.get("skipped"):
        return {"course_id": course_id, "window": window.name, "skipped": True}
    mode = leaderboard_config_get(course_id=course_id)["ranking"]
    listed, hidden, anonymous = _board_read(course_id, window)
    cents = [composite >> TIME_BITS for _, composite in listed]
    ranks = slice_ranks(start=0, cents=cents, first_higher=0, mode=mode)
    rows = [{"user_id": u, "position": i, "rank": r, "cents": c >> TIME_BITS,
             "reached_at": composite_decode(c)[1], "hidden": False, "anonymous": u in anonymous}
            for i, ((u, c), r) in enumerate(zip(listed, ranks, strict=True))]
    ascending = [c for _, c in reversed(listed)]
    for user_id, composite in hidden:
        position = len(ascending) - bisect.bisect_right(ascending, composite)
        higher = [c for c in cents[:position] if c > composite >> TIME_BITS]
        rank = {COMPETITION: len(higher) + 1, DENSE: len(set(higher)) + 1}.get(mode, position + 1)
        rows.append({"user_id": user_id, "position": position, "rank": rank,
                     "cents": composite >> TIME_BITS, "reached_at": composite_decode(composite)[1],
                     "hidden": True, "anonymous": False})
    top = archive_entries(rows[:min(len(listed), settings.LEADERBOARD_ARCHIVE_TOP)], viewer=None,
                          stored=True)
    collection = LeaderboardArchive._get_collection()
    course = ObjectId(course_id)
    collection.update_one(
        {"course_id": course, "window": window.name},
        {"$set": {"kind": window.kind, "label": window.label,
                  "group": ObjectId(window.group) if window.group else None, "start": window.start,
                  "end": window.end, "ranking": mode, "count": len(listed), "top": top,
                  "archived_at": timezone.now()}}, upsert=True)
    archive_id = collection.find_one({"course_id": course, "window": window.name}, {"_id": 1})["_id"]
    ranks_collection = LeaderboardArchiveRank._get_collection()
    ranks_collection.delete_many({"archive_id": archive_id})
    for start in range(0, len(rows), _CHUNK):
        ranks_collection.insert_many([{**row, "archive_id": archive_id}
                                      for row in rows[start:start + _CHUNK]])
    if window.group and not group_exists(group_id=window.group):
        # Deleted while this run archived it: its delete has already removed its other archives.
        ranks_collection.delete_many({"archive_id": archive_id})
        collection.delete_one({"_id": archive_id})
        return {"course_id": course_id, "window": window.name, "skipped": True}
    logger.info("leaderboard archived course=%s window=%s listed=%d hidden=%d", course_id,
                window.name, len(listed), len(hidden))
    return {"course_id": course_id, "window": window.name, "count": len(listed),
            "hidden": len(hidden)}


def periods_archive_due(*, now: datetime | None = None) -> int:
    """Archive every finished period not archived yet, of the course's board and of each of its
    groups' boards: the last two days, weeks and months and the seasons that ended in the last
    week, once LEADERBOARD_ARCHIVE_GRACE_MINUTES passed."""
    now = now or timezone.now()
    until = now - timedelta(minutes=settings.LEADERBOARD_ARCHIVE_GRACE_MINUTES)
    archived = 0
    for course_id in course_ids_all():
        finished = []
        for current in current_periods(now=until):
            previous = period_containing(current.kind, current.start - timedelta(seconds=1))
            before = period_containing(current.kind, previous.start - timedelta(seconds=1))
            finished += [previous, before]
        finished += seasons_ended(course_id=course_id, since=until - timedelta(days=7), until=until)
        finished += [window.of_group(group_id) for group_id in group_ids_all(course_id=course_id)
                     for window in finished]
        done = {d["window"] for d in LeaderboardArchive._get_collection().find(
            {"course_id": ObjectId(course_id), "window": {"$in": [w.name for w in finished]}},
            {"window": 1})}
        for window in finished:
            if window.name not in done:
                archived += 0 if period_archive(course_id=course_id, window=window).get(
                    "skipped") else 1
    return archived
