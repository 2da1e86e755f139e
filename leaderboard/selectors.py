"""Reads of the leaderboard app: top-N pages, "my rank" with the learners around, any learner's rank."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from config.exceptions import InvalidInput, NotFound
from config.redis import script_run
from leaderboard import keys
from leaderboard.documents import LeaderboardSettings
from leaderboard.privacy import ANONYMOUS_NAME
from leaderboard.scoring import (
    ALL,
    ALL_TIME,
    COMPETITION,
    COURSE_SCALE,
    DAY,
    DENSE,
    DISTINCT,
    GLOBAL_SCALE,
    MONTH,
    PERIOD_KINDS,
    SEASON,
    WEEK,
    Scale,
    Window,
    composite_decode,
    day_parse,
    lua_for,
    month_parse,
    percentile,
    points_from_cents,
    slice_ranks,
    week_parse,
)
from leaderboard.seasons import season_window
from leaderboard.windows import period_containing, window_expiry
from learning.selectors import enrolled_user_ids_among, object_id_parse, profiles_get_cached

# Shared by both scripts: how many members have strictly more points than composite `s`, and
# how many distinct point values above it the board holds (dense ranks).
_HIGHER = """
local function cents_of(s) return math.floor(tonumber(s) / 2147483648) end
local function higher(s)
  return redis.call('ZCOUNT', KEYS[1], string.format('%.0f', (cents_of(s) + 1) * 2147483648), '+inf')
end
local function levels_higher(s)
  return redis.call('ZCOUNT', KEYS[4], string.format('(%.0f', cents_of(s)), '+inf')
end
local function anonymous_of(page)
  local flags = {}
  for i = 1, #page, 2 do flags[#flags + 1] = redis.call('SISMEMBER', KEYS[6], page[i]) end
  return flags
end
local function first_higher_of(mode, page)
  if #page == 0 then return 0 end
  if mode == 'competition' then return higher(page[2]) end
  if mode == 'dense' then return levels_higher(page[2]) end
  return 0
end
"""

# One round trip: board size, whether the board exists, the ranking mode, one page and, for
# competition and dense ranks, how many members (values) are above the page's first entry.
_PAGE_SCRIPT = _HIGHER + """
local count = redis.call('ZCARD', KEYS[1])
local present = count > 0 or redis.call('EXISTS', KEYS[2]) == 1
local mode = redis.call('HGET', KEYS[3], 'ranking') or ARGV[3]
local page = redis.call('ZREVRANGE', KEYS[1], ARGV[1], tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1, 'WITHSCORES')
return {present and 1 or 0, count, mode, page, first_higher_of(mode, page), anonymous_of(page)}
"""

# One round trip for "my rank": ZREVRANK + ZSCORE (Redis 7.0 has no ZREVRANK WITHSCORE), then
# the K learners above and below, which depend on the rank. A hidden learner (KEYS[5]) is not on
# the board: their position is where their score would put them, and the K above and K below
# are the learners listed around that place.
_ME_SCRIPT = _HIGHER + """
local count = redis.call('ZCARD', KEYS[1])
local present = count > 0 or redis.call('EXISTS', KEYS[2]) == 1
local mode = redis.call('HGET', KEYS[3], 'ranking') or ARGV[3]
local pos = redis.call('ZREVRANK', KEYS[1], ARGV[1])
local hidden, score, around = 0, nil, tonumber(ARGV[2])
local stop
if pos then
  score = redis.call('ZSCORE', KEYS[1], ARGV[1])
  stop = pos + around
else
  score = redis.call('ZSCORE', KEYS[5], ARGV[1])
  if not score then return {present and 1 or 0, count, mode, -1} end
  hidden = 1
  pos = redis.call('ZCOUNT', KEYS[1], '(' .. score, '+inf')
  stop = pos + around - 1
end
local start = math.max(pos - around, 0)
local page = {}
if stop >= start then page = redis.call('ZREVRANGE', KEYS[1], start, stop, 'WITHSCORES') end
local me_higher, me_levels = 0, 0
if mode ~= 'distinct' then me_higher = higher(score) end
if mode == 'dense' then me_levels = levels_higher(score) end
return {present and 1 or 0, count, mode, pos, score, start, page, me_higher,
        first_higher_of(mode, page), hidden, me_levels, anonymous_of(page)}
"""


@dataclass(frozen=True)
class Viewer:
    """Who reads a board: anonymous learners' ids show only to themselves and to staff."""

    user_id: int
    is_staff: bool = False

    def may_see(self, user_id: int) -> bool:
        return self.is_staff or self.user_id == user_id


def window_resolve(*, window: str = ALL, week: str | None = None, day: str | None = None,
                   month: str | None = None, season: str | None = None,
                   course_id: str | None = None, now: datetime | None = None) -> Window:
    """The board a request names: all-time, a day, week or month (the current one by default),
    or a season of the course. Whether a finished period is still readable is the reader's
    business (the Redis board, else its archive)."""
    labels = {WEEK: week, DAY: day, MONTH: month, SEASON: season}
    for kind, label in labels.items():
        if label and kind != window:
            raise InvalidInput(f"{kind} applies to window={kind} only", code="invalid_window")
    if window == ALL:
        return ALL_TIME
    if window not in PERIOD_KINDS:
        raise InvalidInput("window must be 'all', 'day', 'week', 'month' or 'season'",
                           code="invalid_window")
    now = now or timezone.now()
    if window == SEASON:
        if not season:
            raise InvalidInput("window=season needs season=<season id>", code="invalid_window")
        chosen = season_window(season_id=season, course_id=course_id)
        if chosen.start > now:
            raise InvalidInput("this season has not started yet", code="invalid_season")
        return chosen
    current = period_containing(window, now)
    label = labels[window]
    if not label:
        return current
    try:
        chosen = {WEEK: lambda: week_parse(label, start_weekday=settings.LEADERBOARD_WEEK_START),
                  DAY: lambda: day_parse(label), MONTH: lambda: month_parse(label)}[window]()
    except ValueError as exc:
        raise InvalidInput(str(exc), code=f"invalid_{window}") from exc
    if chosen.start > current.start:
        raise InvalidInput(f"{label} has not started yet (the current {window} is "
                           f"{current.label})", code=f"invalid_{window}")
    return chosen


def window_expired_check(*, window: Window, now: datetime | None = None) -> None:
    """404 `<kind>_expired` when a finished period's board is past its Redis retention (callers
    look for its archive first)."""
    expiry = window_expiry(window)
    if expiry is not None and expiry <= (now or timezone.now()):
        raise NotFound(f"{window.label} is older than the retention of {window.kind} boards and "
                       "was not archived", code=f"{window.kind}_expired")


def leaderboard_config_get(*, course_id: str) -> dict:
    """The course's ranking mode and whether it overrides the global setting."""
    if course_id == keys.GLOBAL_ID:
        return {"course_id": None, "ranking": settings.LEADERBOARD_RANKING, "ranking_override": None}
    doc = LeaderboardSettings._get_collection().find_one(
        {"course_id": object_id_parse(course_id, what="course_id")}, {"ranking": 1})
    override = (doc or {}).get("ranking")
    return {"course_id": course_id, "ranking": override or settings.LEADERBOARD_RANKING,
            "ranking_override": override}


def scale_of(course_id: str) -> Scale:
    """How the board's scores are packed (the global board sums courses: more points)."""
    return GLOBAL_SCALE if course_id == keys.GLOBAL_ID else COURSE_SCALE


def _script_run(script: str, course_id: str, window: Window, args: list) -> list:
    if course_id == keys.GLOBAL_ID:
        script = lua_for(script, GLOBAL_SCALE)
    return script_run(script, _read_keys(course_id, window.name),
                      [*args, settings.LEADERBOARD_RANKING])


def _read_keys(course_id: str, name: str) -> list[str]:
    """KEYS of the read scripts: board, empty marker, settings, dense levels, hidden, anonymous."""
    return [keys.board_key(course_id, name), keys.empty_marker_key(course_id, name),
            keys.config_key(course_id), keys.levels_key(course_id, name),
            keys.hidden_key(course_id, name), keys.anonymous_key(course_id, name)]


def _read(script: str, course_id: str, window: Window, args: list) -> list | None:
    """Run a read script; None when the board is missing (never built, expired or flushed)."""
    result = _script_run(script, course_id, window, args)
    return result if result[0] else None


def board_header_get(*, course_id: str, window: Window) -> dict:
    """The header of a board that is not there (yet): its ranking mode, no members."""
    return _header(course_id, window, leaderboard_config_get(course_id=course_id)["ranking"], 0)


def _header(course_id: str, window: Window, mode: bytes | str, count: int) -> dict:
    return {"course_id": None if course_id == keys.GLOBAL_ID else course_id,
            "window": window.kind, "week": window.label if window.kind == WEEK else None,
            "period": window.label, "group": window.group, "archived": False,
            "ranking": mode.decode() if isinstance(mode, bytes) else mode, "count": count}


def leaderboard_page(*, course_id: str, limit: int, offset: int, window: Window = ALL_TIME,
                     viewer: Viewer | None = None) -> dict | None:
    """Top learners from `offset`: 1 Redis round trip and 2 batched MongoDB reads (profiles,
    anonymous learners); None when the board is missing."""
    result = _read(_PAGE_SCRIPT, course_id, window, [offset, limit])
    if result is None:
        return None
    _, count, mode, page, first_higher, flags = result
    return {**_header(course_id, window, mode, count),
            "results": _entries(page, offset, first_higher, mode, viewer, flags,
                                scale_of(course_id))}


def leaderboard_me(*, course_id: str, user_id: int, around: int, window: Window = ALL_TIME,
                   viewer: Viewer | None = None) -> dict | None:
    """A learner's rank, points and percentile, the board size, and the K learners above and
    below; None when the board is missing. A hidden learner is told where they stand too."""
    result = _read(_ME_SCRIPT, course_id, window, [str(user_id), around])
    if result is None:
        return None
    header = {**_header(course_id, window, result[2], result[1]), "user_id": user_id}
    if result[3] < 0:
        return {**header, "rank": None, "score": None, "percentile": None, "reached_at": None,
                "hidden": False, "around": []}
    (_, count, mode, pos, score, start, page, me_higher, first_higher, hidden, me_levels,
     flags) = result
    cents, reached_at = composite_decode(score, scale_of(course_id))
    mode = _mode(mode)
    rank = {COMPETITION: me_higher + 1, DENSE: me_levels + 1}.get(mode, pos + 1)
    # Dense rank numbers say nothing of how many are above: the share uses the members above.
    share_rank = me_higher + 1 if mode == DENSE else rank
    return {**header, "rank": rank, "score": points_from_cents(cents),
            "percentile": percentile(rank=share_rank, count=count + hidden),
            "reached_at": reached_at.isoformat().replace("+00:00", "Z"), "hidden": bool(hidden),
            "around": _entries(page, start, first_higher, mode, viewer, flags,
                               scale_of(course_id))}


def _mode(mode: bytes | str) -> str:
    return mode.decode() if isinstance(mode, bytes) else mode


def _entries(flat: list, start: int, first_higher: int, mode: bytes | str,
             viewer: Viewer | None, flags: list, scale: Scale = COURSE_SCALE) -> list[dict]:
    """Ranked entries for a slice of the board, hydrated with one batched profile read; learners
    flagged anonymous (`flags`, from the board's anonymous set) show no name, avatar or id (but
    to themselves and staff)."""
    user_ids = [int(flat[i]) for i in range(0, len(flat), 2)]
    decoded = [composite_decode(flat[i], scale) for i in range(1, len(flat), 2)]
    ranks = slice_ranks(start=start, cents=[cents for cents, _ in decoded],
                        first_higher=int(first_higher), mode=_mode(mode))
    anonymous = {user_id for user_id, flag in zip(user_ids, flags, strict=True) if int(flag)}
    profiles = profiles_get_cached(user_ids=[u for u in user_ids if u not in anonymous])
    entries = []
    for user_id, rank, (cents, reached_at) in zip(user_ids, ranks, decoded, strict=True):
        profile = {} if user_id in anonymous else profiles.get(user_id, {})
        known = user_id not in anonymous or (viewer is not None and viewer.may_see(user_id))
        entries.append({
            "rank": rank,
            "user_id": user_id if known else None,
            "score": points_from_cents(cents),
            "display_name": ANONYMOUS_NAME if user_id in anonymous else profile.get("display_name"),
            "avatar_url": profile.get("avatar_url") or None,
            "anonymous": user_id in anonymous,
            "reached_at": reached_at.isoformat().replace("+00:00", "Z"),
        })
    return entries


def users_check(*, course_id: str, user_ids: list[int], caller_id: int) -> list[int]:
    """The learners a friends ranking names, deduplicated, with the caller; every one must be
    enrolled in the course (else 400 naming them)."""
    chosen = list(dict.fromkeys([*user_ids, caller_id]))
    if len(user_ids) > settings.LEADERBOARD_MAX_USERS:
        raise InvalidInput(f"users names at most {settings.LEADERBOARD_MAX_USERS} learners",
                           code="too_many_users")
    others = [u for u in chosen if u != caller_id]
    unknown = sorted(set(others) - enrolled_user_ids_among(course_id=course_id, user_ids=others))
    if unknown:
        raise InvalidInput("users must be learners enrolled in the course; not enrolled: "
                           + ", ".join(map(str, unknown[:20])), code="users_not_enrolled")
    return chosen


# Friends rankings: the given learners ranked among themselves in the board's order, in one
# read-only round trip that returns only the slice shown (a script that wrote scratch keys to let
# Redis sort was 0.5 ms faster for 500 ids, but it made every friends read a write: AOF and
# replica traffic, and refused while Redis refuses writes). ARGV: the ids comma-separated (the
# caller among them), the caller, 'me' (ARGV[4] = around) or 'page' (ARGV[4] = offset, ARGV[5] =
# limit), the default ranking, '1' to leave out anonymous learners other than the caller.
_USERS_SCRIPT = """
local present = redis.call('EXISTS', KEYS[1], KEYS[2]) > 0
local mode = redis.call('HGET', KEYS[3], 'ranking') or ARGV[6]
if not present then return {0, mode} end
local ids = {}
for id in string.gmatch(ARGV[1], '[^,]+') do ids[#ids + 1] = id end
if ARGV[7] == '1' then
  local anonymous, kept = redis.call('SMISMEMBER', KEYS[6], unpack(ids)), {}
  for i = 1, #ids do
    if anonymous[i] == 0 or ids[i] == ARGV[2] then kept[#kept + 1] = ids[i] end
  end
  ids = kept
end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(ids))
-- Board order without a Lua comparator: distinct scores sorted as numbers, the members of one
-- score as strings (both sorts in C), read backwards: higher scores first, equal ones by member
-- descending, as ZREVRANGE orders them.
local values, first, tied = {}, {}, {}
for i = 1, #ids do
  local s = scores[i]
  if s then
    local v = tonumber(s)
    local held = first[v]
    if held == nil then
      first[v] = ids[i]
      values[#values + 1] = v
    else
      local list = tied[v]
      if not list then
        list = {held}
        tied[v] = list
      end
      list[#list + 1] = ids[i]
    end
  end
end
table.sort(values)
local board, points = {}, {}
for i = #values, 1, -1 do
  local v, list = values[i], tied[values[i]]
  if list then
    table.sort(list)
    for j = #list, 1, -1 do
      board[#board + 1] = list[j]
      points[#points + 1] = v
    end
  else
    board[#board + 1] = first[v]
    points[#points + 1] = v
  end
end
local count = #board
local function cents_of(s) return math.floor(s / 2147483648) end
-- Of the first `n`, how many have more points than `cents`, and how many distinct values.
local function above(n, cents)
  local higher, levels, last = 0, 0, nil
  for i = 1, n do
    local c = cents_of(points[i])
    if c <= cents then break end
    higher = higher + 1
    if c ~= last then levels, last = levels + 1, c end
  end
  return higher, levels
end
local index, composite, hidden, me_higher, me_levels = -1, 0, 0, 0, 0
local start, stop
if ARGV[3] == 'me' then
  local around = tonumber(ARGV[4])
  local kept = redis.call('ZSCORE', KEYS[5], ARGV[2])
  if kept then
    hidden, composite, index = 1, tonumber(kept), 0
    while index < count and points[index + 1] > composite do index = index + 1 end
  else
    for i = 1, count do
      if board[i] == ARGV[2] then index, composite = i - 1, points[i]; break end
    end
    if index < 0 then return {1, mode, count, -1} end
  end
  me_higher, me_levels = above(count, cents_of(composite))
  start, stop = math.max(index - around, 0), index + around + 1 - hidden
else
  start = tonumber(ARGV[4])
  stop = start + tonumber(ARGV[5])
end
local page, flags = {}, {}
for i = start + 1, math.min(stop, count) do
  page[#page + 1] = board[i]
  page[#page + 1] = string.format('%.0f', points[i])
  flags[#flags + 1] = redis.call('SISMEMBER', KEYS[6], board[i])
end
local first_higher = 0
if #page > 0 and mode ~= 'distinct' then
  local members_above, levels = above(start, cents_of(points[start + 1]))
  first_higher = mode == 'dense' and levels or members_above
end
return {1, mode, count, index, string.format('%.0f', composite), hidden, me_higher, me_levels,
        start, page, first_higher, flags}
"""


def _users_read(course_id: str, window: Window, user_ids: list[int], caller_id: int,
                args: list, viewer: Viewer | None) -> list | None:
    """Run the friends script; None when the board is missing. The caller named every learner
    of the set, so an anonymous one among them would be known by elimination: only staff see
    them there."""
    anonymous_left_out = "0" if viewer is not None and viewer.is_staff else "1"
    result = script_run(_USERS_SCRIPT, _read_keys(course_id, window.name),
                        [",".join(map(str, user_ids)), str(caller_id), *args,
                         settings.LEADERBOARD_RANKING, anonymous_left_out])
    return result if result[0] else None


def leaderboard_users_page(*, course_id: str, user_ids: list[int], caller_id: int, limit: int,
                           offset: int, window: Window = ALL_TIME,
                           viewer: Viewer | None = None) -> dict | None:
    """A page of the given learners (and the caller) ranked among themselves: one Redis round
    trip; None when the board is missing."""
    result = _users_read(course_id, window, user_ids, caller_id, ["page", offset, limit], viewer)
    if result is None:
        return None
    _, mode, count, _, _, _, _, _, start, page, first_higher, flags = result
    return {**_header(course_id, window, mode, count),
            "results": _entries(page, start, first_higher, mode, viewer, flags)}


def leaderboard_users_me(*, course_id: str, user_ids: list[int], caller_id: int, around: int,
                         window: Window = ALL_TIME, viewer: Viewer | None = None) -> dict | None:
    """The caller's rank among the given learners, with those around: one Redis round trip;
    None when the board is missing. A hidden caller is told where their score would put them."""
    result = _users_read(course_id, window, user_ids, caller_id, ["me", around, 0], viewer)
    if result is None:
        return None
    mode, count, index = _mode(result[1]), result[2], result[3]
    header = {**_header(course_id, window, mode, count), "user_id": caller_id}
    if index < 0:
        return {**header, "rank": None, "score": None, "percentile": None,
                "reached_at": None, "hidden": False, "around": []}
    _, _, _, _, composite, hidden, me_higher, me_levels, start, page, first_higher, flags = result
    cents, reached_at = composite_decode(composite)
    rank = {COMPETITION: me_higher + 1, DENSE: me_levels + 1}.get(mode, index + 1)
    share_rank = index + 1 if mode == DISTINCT else me_higher + 1
    return {**header, "rank": rank, "score": points_from_cents(cents),
            "reached_at": reached_at.isoformat().replace("+00:00", "Z"),
            "percentile": percentile(rank=share_rank, count=count + hidden),
            "hidden": bool(hidden), "around": _entries(page, start, first_higher, mode, viewer,
                                                       flags)}
