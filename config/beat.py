"""The celery beat scheduler: RedBeat, taking its lock back after Redis went away."""
from __future__ import annotations

from celery.utils.log import get_logger
from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, RedBeatScheduler, get_redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.redis_errors import REDIS_REFUSALS

logger = get_logger("celery.beat")

# LockNotOwnedError (the lock key expired or vanished with a Redis restart) is a LockError; a
# Redis refusing writes cannot extend the lock either.
REDIS_LOST = (LockError, RedisConnectionError, RedisTimeoutError, *REDIS_REFUSALS)
# While Redis is down, try again this often: a refused connection costs nothing.
RETRY_SECONDS = 1.0


class ResilientRedBeatScheduler(RedBeatScheduler):
    """RedBeat that waits for Redis and re-acquires its lock instead of exiting."""

    _lock_lost = False

    def setup_schedule(self) -> None:
        """Install the schedule; a Redis lost during start-up is waited for, not fatal."""
        try:
            super().setup_schedule()
        except REDIS_LOST as exc:
            logger.warning("beat: Redis unavailable while installing the schedule (%r); will "
                           "retry", exc)
            self._lock_lost = True

    def tick(self, min=min, **kwargs) -> float:
        """Send due tasks while the lock is held; otherwise try to take the lock back."""
        if self.lock_key and (self._lock_lost or self.lock is None):
            if not self._lock_reacquire():
                return RETRY_SECONDS
        try:
            return super().tick(min=min, **kwargs)
        except REDIS_LOST as exc:
            # RedBeat lets these end the beat process; a supervisor restart would then
            # wait out the old lock, and the schedule lost with Redis would never come back.
            logger.warning("beat: lost Redis or the lock (%r); will re-acquire the lock", exc)
            self._lock_lost = True
            return RETRY_SECONDS

    def close(self) -> None:
        """Stop; with Redis gone the lock cannot be released, and it expires by itself."""
        try:
            super().close()
        except REDIS_LOST as exc:
            # RedBeat's close asks Redis whether the lock is still ours: a stop while Redis is
            # down ended beat with a traceback and exit status 1.
            logger.warning("beat: stopping without releasing lock %s (%r); it expires within "
                           "%s s", self.lock_key, exc, self.lock_timeout)
            self.lock = None

    def _lock_reacquire(self) -> bool:
        """Take the lock (unless still ours) and re-install the schedule; False if not now."""
        try:
            if self.lock is None:
                self.lock = self._lock_new()
            if not self.lock.owned():
                # Blocking with a timeout: another beat that took the lock over keeps it,
                # and this one stays a standby that tries again on the next tick.
                if not self.lock.acquire(blocking=True, blocking_timeout=self.max_interval,
                                         sleep=min(RETRY_SECONDS, self.max_interval)):
                    return False
            # A Redis that restarted empty lost the schedule; without it nothing is ever due.
            super().setup_schedule()
        except REDIS_LOST as exc:
            logger.debug("beat: Redis still unavailable (%r)", exc)
            return False
        self._lock_lost = False
        logger.info("beat: re-acquired lock %s; sending due tasks again", self.lock_key)
        return True

    def _lock_new(self):
        """A lock like the one RedBeat takes on start (its extend sets a new expiry)."""
        client = get_redis(self.app)
        lock = client.lock(self.lock_key, timeout=self.lock_timeout, sleep=self.max_interval)
        lock.lua_extend = client.register_script(LUA_EXTEND_TO_SCRIPT)
        return lock
