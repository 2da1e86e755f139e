"""Writes of the leaderboard app: ordered per-learner updates, atomic rebuilds, drift repair."""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import redis.exceptions
from django.conf import settings
from django.utils import timezone

from config.coalescing import Claim, claims_release, claims_take
from config.dispatch import DispatchBatch, task_dispatch
from config.metrics import DRIFT_FOUND, metric_inc
from config.redis import redis_client, script_run
from config.task_names import REBUILD_LEADERBOARD, UPDATE_LEADERBOARD
from leaderboard import keys
from leaderboard.aggregation import (
    Score,
    learner_scores_aggregate,
    recent_learner_ids,
    scores_aggregate,
)
from leaderboard.archive_reads import archive_get, archive_me, archive_page
from leaderboard.documents import LeaderboardSettings
from leaderboard.global_board import global_share_write
from leaderboard.groups import group_ids_all, group_ids_of, group_member_ids
from leaderboard.lua import LEVELS
from leaderboard.privacy import anonymous_user_ids, hidden_user_ids, learner_flags
from leaderboard.scoring import (
    ALL,
    ALL_TIME,
    COURSE_SCALE,
    Scale,
    Window,
    composite_encode,
    composite_floor,
)
from leaderboard.seasons import season_windows_live, seasons_starting
from leaderboard.selectors import (
    Viewer,
    board_header_get,
    leaderboard_me,
    leaderboard_page,
    leaderboard_users_me,
    leaderboard_users_page,
    window_expired_check,
)
from leaderboard.signals import top_changed
from leaderboard.windows import current_periods, update_windows, window_expiry
from learning.policy import REVEAL_AFTER_DUE, due_moment
from learning.selectors import (
    attempt_summary_version,
    course_ids_all,
    course_outline_get,
    object_id_parse,
)

logger = logging.getLogger(__name__)

# Release the lock only if we still own it (it may have expired and been taken by another).
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Extend the lock only while we still own it.
_RENEW_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# Compare-and-set of one learner's scores on several boards of a course. Refused (-1) when a
# computation of a higher order (summary version, then clock) was already written for the
# learner. Per board: skipped when the live board came from a rebuild that started after this
# computation (its floor, a clock), or when the board is missing (a rebuild makes it whole from
# MongoDB); while a rebuild of the board runs, the learner is also recorded as dirty so the
# rebuild re-applies them after its RENAME. A hidden learner's score goes to the board's hidden
# set instead of the board. Orders are fixed-width strings, so they compare as strings.
_APPLY = LEVELS + """
local user, order, clock, hide, anon = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[6] == '1', ARGV[7] == '1'
local applied = redis.call('HGET', KEYS[1], user)
if applied and applied >= order then return -1 end
redis.call('HSET', KEYS[1], user, order)
-- Watching the top N of the first board (ARGV after the windows; 0: not watching).
local top = tonumber(ARGV[8 + 3 * tonumber(ARGV[4])] or '0')
local before = {}
if top > 0 then before = redis.call('ZREVRANGE', KEYS[3], 0, top - 1) end
local written = 0
for i = 0, tonumber(ARGV[4]) - 1 do
  local k = 3 + 8 * i
  local board, lock, dirty, empty = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local hidden, levels, counts, anonymous = KEYS[k + 4], KEYS[k + 5], KEYS[k + 6], KEYS[k + 7]
  local window, score, expire_at = ARGV[8 + 3 * i], ARGV[9 + 3 * i], tonumber(ARGV[10 + 3 * i])
  if redis.call('EXISTS', lock) == 1 then
    redis.call('SADD', dirty, user)
    redis.call('EXPIRE', dirty, tonumber(ARGV[5]))
  end
  local floor = tonumber(redis.call('HGET', KEYS[2], window) or '0')
  if clock >= floor and redis.call('EXISTS', board, empty) > 0 then
    local old = redis.call('ZSCORE', board, user)
    if old then
      level_move(levels, counts, old, -1)
      redis.call('ZREM', board, user)
    end
    redis.call('ZREM', hidden, user)
    if score ~= '' and not hide and anon then
      redis.call('SADD', anonymous, user)
    else
      redis.call('SREM', anonymous, user)
    end
    if score ~= '' then
      if hide then
        redis.call('ZADD', hidden, score, user)
      else
        redis.call('ZADD', board, score, user)
        level_move(levels, counts, score, 1)
        redis.call('DEL', empty)
      end
      if expire_at > 0 then
        for _, key in ipairs({board, hidden, levels, counts, anonymous}) do
          redis.call('EXPIREAT', key, expire_at)
        end
      end
    end
    written = written + 1
  end
end
if top > 0 then return {written, before, redis.call('ZREVRANGE', KEYS[3], 0, top - 1)} end
return written
"""


@dataclass(frozen=True, slots=True)
class Stamp:
    """What orders a learner's score computations: their attempt summary version (MongoDB, so
    it survives any loss of Redis), then the Redis clock when the computation started."""

    version: int
    clock: int  # microseconds, Redis TIME

    @property
    def order(self) -> str:
        return f"{self.version:012d}:{self.clock:017d}"


def redis_clock(client: redis.Redis | None = None) -> int:
    """The Redis server's clock in microseconds (one clock for every worker host)."""
    seconds, micros = (client or redis_client()).time()
    return seconds * 1_000_000 + micros


def leaderboard_stamp_take(*, course_id: str, user_id: int) -> Stamp:
    """Stamp a computation before it reads MongoDB; clears the learner's pending marker too."""
    pipe = redis_client().pipeline(transaction=False)
    pipe.delete(keys.update_pending_key(course_id, user_id))
    pipe.time()
    _, (seconds, micros) = pipe.execute()
    version = attempt_summary_version(user_id=user_id, course_id=course_id)
    return Stamp(version=version, clock=seconds * 1_000_000 + micros)


# --- Requests (API side) ------------------------------------------------------------------------

def leaderboard_update_claim(*, course_id: str, user_id: int) -> Claim:
    """The coalescing claim of one learner's board update."""
    return Claim(marker=keys.update_pending_key(course_id, user_id),
                 ttl_seconds=keys.PENDING_TTL_SECONDS)


def leaderboard_update_queue(*, batch: DispatchBatch, course_id: str, user_id: int) -> None:
    """Add a claimed board update to a batch of derived work."""
    batch.add(task_name=UPDATE_LEADERBOARD, kwargs={"course_id": course_id, "user_id": user_id},
              key=f"{UPDATE_LEADERBOARD}:{course_id}:{user_id}")


def leaderboard_update_request(*, course_id: str, user_id: int) -> bool:
    """Queue UPDATE_LEADERBOARD unless one is already queued for this learner."""
    claim = leaderboard_update_claim(course_id=course_id, user_id=user_id)
    if claims_take([claim]) == [None]:
        return False
    batch = DispatchBatch()
    leaderboard_update_queue(batch=batch, course_id=course_id, user_id=user_id)
    queued = batch.send()
    if not queued:
        claims_release([claim])
    return queued


def leaderboard_rebuild_request(*, course_id: str, window: Window | None = None) -> str | None:
    """Queue REBUILD_LEADERBOARD (one board, or the all-time and this week's); return the task id,
    or None if it waits in the outbox for the broker."""
    task_id = str(uuid.uuid4())
    kwargs: dict = {"course_id": course_id}
    if window is not None:
        kwargs["window"] = window.name
    queued = task_dispatch(
        task_name=REBUILD_LEADERBOARD,
        kwargs=kwargs,
        key=f"{REBUILD_LEADERBOARD}:{course_id}:{kwargs.get('window', '*')}",
        task_id=task_id,
    )
    return task_id if queued else None


def _encode(score: Score) -> int:
    cents, reached_at = score
    return composite_encode(cents=cents, reached_at=reached_at)


# --- Per-learner updates ------------------------------------------------------------------------

def leaderboard_scores_write(*, course_id: str, user_id: int, stamp: Stamp, windows: list[Window],
                             scores: dict[str, Score | None], hidden: bool = False,
                             anonymous: bool = False) -> int:
    """Write one learner's scores if no newer computation was written: boards written, or -1.
    A `hidden` learner's scores go to each board's hidden set instead of its pages; an
    `anonymous` one is flagged in each board's anonymous set."""
    return _scores_apply(course_id=course_id, user_id=user_id, stamp=stamp, windows=windows,
                         scores=scores, hidden=hidden, anonymous=anonymous, top_n=0)[0]


def _scores_apply(*, course_id: str, user_id: int, stamp: Stamp, windows: list[Window],
                  scores: dict[str, Score | None], hidden: bool, anonymous: bool,
                  top_n: int) -> tuple[int, list[str], list[str]]:
    """Write the scores (as leaderboard_scores_write); with top_n, also the first board's top N
    members before and after the write, read in the same script."""
    keys_: list[str] = [keys.applied_key(course_id), keys.floors_key(course_id)]
    args: list = [str(user_id), stamp.order, stamp.clock, len(windows), keys.DIRTY_TTL_SECONDS,
                  "1" if hidden else "0", "1" if anonymous else "0"]
    for window in windows:
        name = window.name
        keys_ += [keys.board_key(course_id, name), keys.rebuild_lock_key(course_id, name),
                  keys.dirty_key(course_id, name), keys.empty_marker_key(course_id, name),
                  keys.hidden_key(course_id, name), keys.levels_key(course_id, name),
                  keys.level_counts_key(course_id, name), keys.anonymous_key(course_id, name)]
        score = scores.get(name)
        expire_at = window_expiry(window)
        args += [name, "" if score is None else str(_encode(score)),
                 int(expire_at.timestamp()) if expire_at else 0]
    found = script_run(_APPLY, keys_, [*args, top_n])
    if isinstance(found, list):
        written, before, after = found
        return int(written), [_text(m) for m in before], [_text(m) for m in after]
    return int(found), [], []


def _text(member: bytes | str) -> str:
    return member.decode() if isinstance(member, bytes) else member


def leaderboard_user_score_update(*, course_id: str, user_id: int) -> dict:
    """Recompute one learner's scores from MongoDB and write them unless a newer one won."""
    stamp = leaderboard_stamp_take(course_id=course_id, user_id=user_id)
    windows = update_windows() + season_windows_live(course_id=course_id)
    scores = learner_scores_aggregate(course_id=course_id, user_id=user_id, windows=windows)
    # The same scores go to the boards of the learner's groups (read after the stamp, so a
    # membership change's rebuild floor orders them).
    grouped = [window.of_group(group) for group in group_ids_of(course_id=course_id, user_id=user_id)
               for window in windows]
    scores.update({window.name: scores[window.of_group(None).name] for window in grouped})
    hidden, anonymous = learner_flags(user_id=user_id)
    # The course's all-time board comes first: its top N is watched for rank_changed events.
    top_n = settings.WEBHOOK_LEADERBOARD_TOP_N if windows[0] == ALL_TIME else 0
    written, before, after = _scores_apply(
        course_id=course_id, user_id=user_id, stamp=stamp, windows=windows + grouped,
        scores=scores, hidden=hidden, anonymous=anonymous, top_n=top_n)
    if written >= 0:  # the course's share of the learner's global points, same order guard
        global_share_write(course_id=course_id, user_id=user_id, order=stamp.order,
                           clock=stamp.clock, score=scores[ALL_TIME.name], hidden=hidden,
                           anonymous=anonymous)
    if written < 0:
        logger.info("leaderboard user=%s course=%s order=%s superseded by a newer computation",
                    user_id, course_id, stamp.order)
    elif before != after and set(before) != set(after):
        top_changed.send(sender=LeaderboardSettings, course_id=course_id, order=stamp.order,
                         top_n=top_n,
                         entered=[(int(m), after.index(m) + 1) for m in after if m not in before],
                         left=[int(m) for m in before if m not in after])
    score = scores[ALL_TIME.name]
    return {"order": stamp.order, "written": written, "cents": score[0] if score else None}


# --- Rebuilds -----------------------------------------------------------------------------------

class _Lease:
    """Holds a lock while its holder lives: a thread renews it every third of the lease, so a
    killed process frees it within one lease (and the task's hard time limit ends a stuck one)."""

    def __init__(self, client: redis.Redis, key: str, token: str, seconds: int) -> None:
        self.client, self.key, self.token, self.seconds = client, key, token, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew, name=f"lease {key}", daemon=True)

    def _renew(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if not self.client.eval(_RENEW_LOCK, 1, self.key, self.token, self.seconds):
                    return  # lost (expired and taken): the other holder's now
            except redis.exceptions.RedisError as exc:
                logger.warning("could not renew %s: %s", self.key, exc)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def leaderboard_board_rebuild(*, course_id: str, window: Window = ALL_TIME, only_if_missing: bool = False,
                              progress: Callable[[int, int], None] | None = None) -> dict:
    """Rebuild one board from MongoDB into a temporary key, then RENAME it over the live one.

    One rebuild per board at a time: a caller that finds the lock taken returns
    {"skipped": True, "busy_seconds": <what is left of the holder's lease>}. With
    `only_if_missing`, a board that exists once the lock is ours is left alone.
    """
    client = redis_client()
    name = window.name
    result: dict = {"course_id": course_id, "window": name}
    lock_key, token = keys.rebuild_lock_key(course_id, name), uuid.uuid4().hex
    lease = settings.LEADERBOARD_REBUILD_LEASE_SECONDS
    # A lease, not the task's time limit: a killed rebuild frees the board within seconds.
    if not client.set(lock_key, token, nx=True, ex=lease):
        return {**result, "skipped": True, "busy_seconds": max(1, client.ttl(lock_key))}
    try:
        with _Lease(client, lock_key, token, lease):
            if only_if_missing and client.exists(keys.board_key(course_id, name),
                                                  keys.empty_marker_key(course_id, name)):
                return {**result, "skipped": True}
            # Leftovers of a rebuild that died: this one reads MongoDB afresh, after this point.
            client.delete(keys.dirty_key(course_id, name))
            # Updates that started before this clock reading are in what this rebuild reads.
            floor = redis_clock(client)
            config_mirror(course_id=course_id)
            started = time.perf_counter()
            scores = _scores_of_board(course_id, window)
            mongo_seconds = time.perf_counter() - started
            started = time.perf_counter()
            members = _board_write(client, course_id, window, scores, floor, progress)
            redis_seconds = time.perf_counter() - started
            client.hincrby(keys.stats_key(course_id), f"rebuilds:{name}", 1)
    finally:
        client.eval(RELEASE_LOCK, 1, lock_key, token)
        # Readers who find the board missing from now on may ask for a rebuild again.
        client.delete(keys.rebuild_requested_key(course_id, name))
    reapplied = _dirty_reapply(client, course_id, name)
    logger.info("leaderboard rebuilt course=%s window=%s members=%d mongo=%.3fs redis=%.3fs "
                "reapplied=%d", course_id, name, members, mongo_seconds, redis_seconds, reapplied)
    return {**result, "members": members, "mongo_seconds": round(mongo_seconds, 4),
            "redis_seconds": round(redis_seconds, 4), "reapplied": reapplied}


def _scores_of_board(course_id: str, window: Window) -> dict[int, Score]:
    """What a board holds from MongoDB: every learner's score, or a group's members'."""
    if window.group is None:
        return scores_aggregate(course_id=course_id, window=window)
    members = group_member_ids(group_id=window.group)
    return scores_aggregate(course_id=course_id, window=window, user_ids=members) if members else {}


def live_windows(*, course_id: str) -> list[Window]:
    """Every board of the course kept live: all-time, this week's, today's, this month's and the
    running season's, for the course and each of its groups."""
    base = [ALL_TIME, *current_periods(), *season_windows_live(course_id=course_id,
                                                               late=timedelta(0))]
    return base + [window.of_group(group) for group in group_ids_all(course_id=course_id)
                   for window in base]


def leaderboard_course_rebuild(*, course_id: str, only_if_missing: bool = False,
                               progress: Callable[[int, int], None] | None = None) -> dict:
    """Rebuild a course's live boards (all-time, this week, today, this month, the running
    season), and those of its groups."""
    object_id_parse(course_id, what="course_id")
    return {
        "course_id": course_id,
        "boards": [leaderboard_board_rebuild(course_id=course_id, window=window,
                                             only_if_missing=only_if_missing, progress=progress)
                   for window in live_windows(course_id=course_id)],
    }


def _board_write(client: redis.Redis, course_id: str, window: Window, scores: dict[int, Score],
                 floor: int, progress: Callable[[int, int], None] | None) -> int:
    """Write a course board's scores (see board_write)."""
    return board_write(client, course_id, window,
                       [(user_id, _encode(score)) for user_id, score in scores.items()],
                       floor, progress)


def board_write(client: redis.Redis, course_id: str, window: Window, items: list[tuple[int, int]],
                floor: int, progress: Callable[[int, int], None] | None,
                scale: Scale = COURSE_SCALE) -> int:
    """Write scores to temporary keys in pipelined batches and swap them in atomically: the
    board, its hidden learners and its distinct point values."""
    name = window.name
    live_keys = keys.board_keys(course_id, name)
    tmp_keys = [keys.tmp_of(key) for key in live_keys]
    tmp, tmp_hidden, tmp_levels, tmp_counts, tmp_anonymous = tmp_keys
    empty = keys.empty_marker_key(course_id, name)
    expire_at = window_expiry(window)
    client.delete(*tmp_keys)
    hidden = hidden_user_ids()
    shown = [(user_id, encoded) for user_id, encoded in items if user_id not in hidden]
    anonymous = anonymous_user_ids()
    listed_anonymous = [str(user_id) for user_id, _ in shown if user_id in anonymous]
    counts = Counter(encoded >> scale.time_bits for _, encoded in shown)
    batch_size = settings.LEADERBOARD_REBUILD_BATCH
    pipe = client.pipeline(transaction=False)
    for start in range(0, len(items), batch_size):
        batch = items[start:start + batch_size]
        visible = {str(u): e for u, e in batch if u not in hidden}
        if visible:
            pipe.zadd(tmp, visible)
        if len(visible) < len(batch):
            pipe.zadd(tmp_hidden, {str(u): e for u, e in batch if u in hidden})
        if len(pipe) >= 10:
            pipe.execute()
            if progress:
                progress(min(start + batch_size, len(items)), len(items))
    for start in range(0, len(listed_anonymous), batch_size):
        pipe.sadd(tmp_anonymous, *listed_anonymous[start:start + batch_size])
    levels = list(counts.items())
    for start in range(0, len(levels), batch_size):
        chunk = levels[start:start + batch_size]
        pipe.zadd(tmp_levels, {str(cents): cents for cents, _ in chunk})
        pipe.hset(tmp_counts, mapping={str(cents): n for cents, n in chunk})
    pipe.execute()
    present = [(t, live) for t, live in zip(tmp_keys, live_keys, strict=True) if client.exists(t)]
    swap = client.pipeline(transaction=True)
    # UNLINK frees the old keys in a background thread; a RENAME over them would free them
    # inside the command and stall Redis for every reader. MULTI keeps the swap atomic.
    swap.unlink(*live_keys)
    for t, live in present:
        swap.rename(t, live)
        if expire_at:
            swap.expireat(live, expire_at)
    if shown:
        swap.delete(empty)
    else:
        swap.set(empty, 1, ex=keys.EMPTY_MARKER_TTL_SECONDS)
        if expire_at:
            swap.expireat(empty, expire_at)
    swap.hset(keys.floors_key(course_id), name, floor)
    swap.execute()
    if progress:
        progress(len(items), len(items))
    return len(items)


def _dirty_reapply(client: redis.Redis, course_id: str, name: str) -> int:
    """Recompute learners updated while the rebuild ran (their writes went to the old board)."""
    pipe = client.pipeline(transaction=True)
    pipe.smembers(keys.dirty_key(course_id, name))
    pipe.delete(keys.dirty_key(course_id, name))
    members, _ = pipe.execute()
    for member in members:
        leaderboard_user_score_update(course_id=course_id, user_id=int(member))
    return len(members)


# --- Drift --------------------------------------------------------------------------------------

def leaderboard_drift_check(*, course_id: str, sample: int) -> dict:
    """Compare sampled members of the course's live boards with MongoDB and repair differences."""
    client = redis_client()
    checked, to_repair, rebuild = 0, set(), False
    recent = set(recent_learner_ids(course_id=course_id, limit=sample))
    for window in live_windows(course_id=course_id):
        board = keys.board_key(course_id, window.name)
        if not client.exists(board):
            continue  # a missing board is rebuilt whole by its next reader
        hidden_board = keys.hidden_key(course_id, window.name)
        members = {int(m) for m in client.zrandmember(board, sample) or []}
        members |= {int(m) for m in client.zrandmember(hidden_board, sample) or []}
        user_ids = sorted(members | recent)
        if window.group is None:
            truth = scores_aggregate(course_id=course_id, window=window, user_ids=user_ids)
        else:  # only the group's members belong on its board
            in_group = set(group_member_ids(group_id=window.group))
            chosen = [u for u in user_ids if u in in_group]
            truth = scores_aggregate(course_id=course_id, window=window,
                                     user_ids=chosen) if chosen else {}
        hidden = hidden_user_ids()
        pipe = client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.zscore(board, str(user_id))
            pipe.zscore(hidden_board, str(user_id))
        stored = pipe.execute()
        for index, user_id in enumerate(user_ids):
            expected = _encode(truth[user_id]) if user_id in truth else None
            found = [None if v is None else int(v) for v in stored[2 * index:2 * index + 2]]
            if found != ([None, expected] if user_id in hidden else [expected, None]):
                to_repair.add(user_id)
                # A learner left on a group they are not in: their update does not write that
                # board any more, a rebuild does.
                rebuild = rebuild or (window.group is not None and expected is None
                                      and found != [None, None])
        checked += len(user_ids)
        if not _levels_agree(client, course_id, window.name, {
                truth[u][0] for u in user_ids if u in truth and u not in hidden}):
            rebuild = True
    for user_id in sorted(to_repair):
        leaderboard_user_score_update(course_id=course_id, user_id=user_id)
    if to_repair:
        client.hincrby(keys.stats_key(course_id), "drift_repaired", len(to_repair))
        metric_inc(metric=DRIFT_FOUND, amount=len(to_repair))
        logger.warning("leaderboard drift course=%s checked=%d differed=%d users=%s",
                       course_id, checked, len(to_repair), sorted(to_repair)[:20])
    if rebuild:
        logger.warning("leaderboard drift course=%s: dense counts or group members differ; "
                       "rebuilding", course_id)
        leaderboard_rebuild_request(course_id=course_id)
    return {"course_id": course_id, "checked": checked, "differed": len(to_repair),
            "repaired": len(to_repair), "levels_rebuilt": rebuild}


def _levels_agree(client: redis.Redis, course_id: str, name: str, cents_values: set[int]) -> bool:
    """Whether the dense-rank counts of these point values match the board's members."""
    values = sorted(cents_values)
    if not values:
        return True
    board, counts = keys.board_key(course_id, name), keys.level_counts_key(course_id, name)
    pipe = client.pipeline(transaction=False)
    for cents in values:
        pipe.zcount(board, composite_floor(cents), composite_floor(cents + 1) - 1)
        pipe.hget(counts, str(cents))
        pipe.zscore(keys.levels_key(course_id, name), str(cents))
    found = pipe.execute()
    return all(int(found[3 * i + 1] or 0) == found[3 * i] and (found[3 * i + 2] is not None)
               == (found[3 * i] > 0) for i in range(len(values)))


def leaderboard_drift_check_all(*, sample: int | None = None) -> dict:
    """Drift check of every course's live boards; totals of what was found and repaired."""
    sample = sample or settings.LEADERBOARD_DRIFT_SAMPLE
    results = [leaderboard_drift_check(course_id=course_id, sample=sample) for course_id in course_ids_all()]
    return {"courses": len(results), "checked": sum(r["checked"] for r in results),
            "differed": sum(r["differed"] for r in results)}


# --- Settings -----------------------------------------------------------------------------------

def config_mirror(*, course_id: str) -> str | None:
    """Copy the course's ranking override from MongoDB to Redis, where the read scripts see it."""
    doc = LeaderboardSettings._get_collection().find_one(
        {"course_id": object_id_parse(course_id, what="course_id")}, {"ranking": 1})
    ranking = (doc or {}).get("ranking")
    if ranking:
        redis_client().hset(keys.config_key(course_id), "ranking", ranking)
    else:
        redis_client().delete(keys.config_key(course_id))
    return ranking


def leaderboard_config_set(*, course_id: str, ranking: str | None, updated_by: int) -> dict:
    """Set (or clear, with None) the course's ranking mode override."""
    LeaderboardSettings.objects(course_id=object_id_parse(course_id, what="course_id")).update_one(
        upsert=True, set__ranking=ranking, set__updated_by=updated_by, set__updated_at=timezone.now())
    config_mirror(course_id=course_id)
    return {"course_id": course_id, "ranking": ranking or settings.LEADERBOARD_RANKING,
            "ranking_override": ranking}


# --- Reads that repair ---------------------------------------------------------------------------

def leaderboard_page_get_or_rebuild(*, course_id: str, limit: int, offset: int,
                                    window: Window = ALL_TIME, viewer: Viewer | None = None,
                                    users: list[int] | None = None) -> dict:
    """A page of the board (or of `users` and the viewer ranked among themselves). A missing
    board (never built, expired, flushed) is rebuilt by a worker, never in the request: the
    answer is then empty with `rebuilding: true`."""
    archive = _archive_of(course_id, window) if users is None else None
    if archive is not None:
        return archive_page(archive=archive, window=window, limit=limit, offset=offset,
                            viewer=viewer)
    if users is None:
        page = leaderboard_page(course_id=course_id, limit=limit, offset=offset, window=window,
                                viewer=viewer)
    else:
        page = leaderboard_users_page(course_id=course_id, user_ids=users, limit=limit,
                                      caller_id=viewer.user_id, offset=offset, window=window,
                                      viewer=viewer)
    if page is None:
        _board_rebuild_for_readers(course_id, window)
        return {**board_header_get(course_id=course_id, window=window), "results": [],
                "rebuilding": True}
    return {**page, "rebuilding": False}


def leaderboard_me_get_or_rebuild(*, course_id: str, user_id: int, around: int,
                                  window: Window = ALL_TIME, viewer: Viewer | None = None,
                                  users: list[int] | None = None) -> dict:
    """A learner's rank and neighbours (among `users` when given); a missing board is rebuilt by
    a worker meanwhile (`rebuilding: true`, rank unknown)."""
    archive = _archive_of(course_id, window) if users is None else None
    if archive is not None:
        return archive_me(archive=archive, window=window, user_id=user_id, around=around,
                          viewer=viewer)
    if users is None:
        me = leaderboard_me(course_id=course_id, user_id=user_id, around=around, window=window,
                            viewer=viewer)
    else:
        me = leaderboard_users_me(course_id=course_id, user_ids=users, caller_id=user_id,
                                  around=around, window=window, viewer=viewer)
    if me is None:
        _board_rebuild_for_readers(course_id, window)
        return {**board_header_get(course_id=course_id, window=window), "user_id": user_id,
                "rank": None, "score": None, "percentile": None, "reached_at": None,
                "hidden": False, "around": [], "rebuilding": True}
    return {**me, "rebuilding": False}


def _archive_of(course_id: str, window: Window) -> dict | None:
    """A finished period of a course's or group's board reads its frozen archive once there is
    one; past its Redis retention without one it is gone (404)."""
    if window.kind == ALL or window.end > timezone.now():
        return None
    archive = archive_get(course_id=course_id, window=window)
    if archive is None:
        window_expired_check(window=window)
    return archive


def _board_rebuild_for_readers(course_id: str, window: Window) -> None:
    """Queue one rebuild however many readers find the board missing (a marker coalesces them)."""
    marker = keys.rebuild_requested_key(course_id, window.name)
    try:
        if not redis_client().set(marker, 1, nx=True, ex=keys.REBUILD_REQUESTED_TTL_SECONDS):
            return
    except redis.exceptions.RedisError as exc:  # the request below still goes to the outbox
        logger.warning("rebuild marker not set: %s", exc)
    leaderboard_rebuild_request(course_id=course_id, window=window)


def leaderboard_next_weeks_prebuild(*, within_hours: int) -> int:
    """Build next week's boards before it starts (empty, so updates land from its first second);
    only within `within_hours` of its start. Returns boards built."""
    now = timezone.now()
    within = timedelta(hours=within_hours)
    # The next day, week and month, where they start within the horizon.
    upcoming = [period for period in current_periods(now=now + within) if period.start > now]
    built = 0
    for course_id in course_ids_all():
        windows = upcoming + seasons_starting(course_id=course_id, now=now, within=within)
        for group in [None, *group_ids_all(course_id=course_id)]:
            for window in windows:
                result = leaderboard_board_rebuild(course_id=course_id,
                                                   window=window.of_group(group),
                                                   only_if_missing=True)
                built += 0 if result.get("skipped") else 1
    return built


def leaderboard_reveals_rebuild(*, within_minutes: int) -> int:
    """Queue a rebuild of every course with marks shown since `within_minutes` ago (items whose
    policy shows marks after their due date): from then on those marks count. Returns courses."""
    now = timezone.now()
    since = now - timedelta(minutes=within_minutes)
    queued = 0
    for course_id in course_ids_all():
        outline = course_outline_get(course_id=course_id)
        if any(since < due <= now for item in outline.items()
               if outline.policy_index[item.id].reveal_marks == REVEAL_AFTER_DUE
               and (due := due_moment(item.due_at)) is not None):
            leaderboard_rebuild_request(course_id=course_id)
            queued += 1
    return queued
