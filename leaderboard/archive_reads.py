"""Reads of archived boards: pages and final ranks of finished periods, frozen in MongoDB."""
from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from leaderboard.documents import LeaderboardArchive, LeaderboardArchiveRank
from leaderboard.privacy import ANONYMOUS_NAME
from leaderboard.scoring import DENSE, DISTINCT, Window, percentile, points_from_cents
from leaderboard.selectors import Viewer
from learning.selectors import object_id_parse, profiles_get_cached, profiles_get_many


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- Reads --------------------------------------------------------------------------------------

def archive_get(*, course_id: str, window: Window) -> dict | None:
    """The archive of a finished period of the course, if it was archived."""
    return LeaderboardArchive._get_collection().find_one(
        {"course_id": object_id_parse(course_id, what="course_id"), "window": window.name})


def archive_entries(rows: list[dict], viewer: Viewer | None, *, stored: bool = False) -> list[dict]:
    """Entries of archived rows; `stored`: for the archive itself, with names read afresh (a
    name this process kept could be one erased meanwhile, frozen for good)."""
    read = profiles_get_many if stored else profiles_get_cached
    profiles = read(user_ids=[r["user_id"] for r in rows if not r["anonymous"]])
    entries = []
    for row in rows:
        user_id, anonymous = row["user_id"], row["anonymous"]
        profile = {} if anonymous else profiles.get(user_id, {})
        known = not anonymous or (viewer is not None and viewer.may_see(user_id))
        reached = row["reached_at"]
        entries.append({
            "rank": row["rank"], "user_id": user_id if known else None,
            "score": points_from_cents(row["cents"]),
            "display_name": ANONYMOUS_NAME if anonymous else profile.get("display_name"),
            "avatar_url": profile.get("avatar_url") or None, "anonymous": anonymous,
            "reached_at": _iso(reached if reached.tzinfo else reached.replace(tzinfo=UTC))})
    return entries


def _header(archive: dict, window: Window) -> dict:
    return {"course_id": str(archive["course_id"]), "window": window.kind, "week": window.label
            if window.kind == "week" else None, "period": window.label, "group": window.group,
            "ranking": archive["ranking"], "count": archive["count"], "archived": True,
            "rebuilding": False}


def archive_page(*, archive: dict, window: Window, limit: int, offset: int,
                 viewer: Viewer | None) -> dict:
    """A page of an archived board (its frozen ranks)."""
    rows = list(LeaderboardArchiveRank._get_collection().find(
        {"archive_id": archive["_id"], "hidden": False}).sort("position", 1).skip(offset).limit(limit))
    return {**_header(archive, window), "results": archive_entries(rows, viewer)}


def archive_me(*, archive: dict, window: Window, user_id: int, around: int,
               viewer: Viewer | None) -> dict:
    """A learner's final rank on an archived board, with those around."""
    collection = LeaderboardArchiveRank._get_collection()
    header = {**_header(archive, window), "user_id": user_id}
    row = collection.find_one({"archive_id": archive["_id"], "user_id": user_id})
    if row is None:
        return {**header, "rank": None, "score": None, "percentile": None, "reached_at": None,
                "hidden": False, "around": []}
    position, hidden = row["position"], row["hidden"]
    stop = position + around - (1 if hidden else 0)
    near = list(collection.find({"archive_id": archive["_id"], "hidden": False,
                                 "position": {"$gte": max(position - around, 0), "$lte": stop}}
                                ).sort("position", 1))
    count = archive["count"] + (1 if hidden else 0)
    share = position + 1 if archive["ranking"] == DISTINCT else row["rank"]
    if archive["ranking"] == DENSE:
        share = collection.count_documents({"archive_id": archive["_id"], "hidden": False,
                                            "cents": {"$gt": row["cents"]}}) + 1
    reached = row["reached_at"]
    return {**header, "rank": row["rank"], "score": points_from_cents(row["cents"]),
            "percentile": percentile(rank=share, count=count), "hidden": hidden,
            "reached_at": _iso(reached if reached.tzinfo else reached.replace(tzinfo=UTC)),
            "around": archive_entries(near, viewer)}


def archives_list(*, course_id: str | None = None, limit: int = 50) -> list[dict]:
    """Archived periods, newest first (for the admin)."""
    query = {"course_id": ObjectId(course_id)} if course_id else {}
    cursor = LeaderboardArchive._get_collection().find(query, {"top": 0}).sort(
        "archived_at", -1).limit(limit)
    return [{**d, "id": str(d["_id"]), "course_id": str(d["course_id"]),
             "group": str(d["group"]) if d.get("group") else None} for d in cursor]

