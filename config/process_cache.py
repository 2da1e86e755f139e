"""Caches kept in one process for hot reads: tokens checked, access granted, names shown."""
from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable

from cachetools import TTLCache
from django.conf import settings


class ProcessCache:
    """What this process read lately, kept `settings.<seconds_setting>` seconds (read at each
    use, so a changed setting applies; 0 keeps nothing) and at most `maxsize` entries.

    A value read from a store while this process forgot something is not kept: take
    `generation()` before the read and pass it to `put`, because the read may have fetched the
    very value the forget meant to drop.
    """

    def __init__(self, seconds_setting: str, *, maxsize: int) -> None:
        self._setting, self._maxsize = seconds_setting, maxsize
        self._lock = threading.Lock()
        self._entries: TTLCache | None = None
        self._forgets = 0

    @property
    def enabled(self) -> bool:
        return getattr(settings, self._setting) > 0

    def _cache(self) -> TTLCache:
        """The entries (under the lock), renewed when the setting changed."""
        ttl = max(getattr(settings, self._setting), 0.001)
        if self._entries is None or self._entries.ttl != ttl:
            self._entries = TTLCache(maxsize=self._maxsize, ttl=ttl)
        return self._entries

    def get(self, key: Hashable, default=None):
        return self.get_many([key], default)[0]

    def get_many(self, keys: Iterable[Hashable], default=None) -> list:
        """Each key's value, or `default`, under one lock."""
        if not self.enabled:
            return [default for _ in keys]
        with self._lock:
            cache = self._cache()
            return [cache.get(key, default) for key in keys]

    def generation(self) -> int:
        """How many forgets this process made so far (take it before reading a store)."""
        with self._lock:
            return self._forgets

    def put_many(self, items: Iterable[tuple[Hashable, object]], *, generation: int) -> None:
        """Keep the values read since `generation`, unless a forget ran meanwhile."""
        if not self.enabled:
            return
        with self._lock:
            if generation == self._forgets:
                cache = self._cache()
                for key, value in items:
                    cache[key] = value

    def put(self, key: Hashable, value, *, generation: int) -> None:
        self.put_many([(key, value)], generation=generation)

    def forget_where(self, stale: Callable[[Hashable, object], bool]) -> None:
        """Drop every entry `stale(key, value)` names."""
        with self._lock:
            self._forgets += 1
            cache = self._cache()
            for key in [key for key, value in cache.items() if stale(key, value)]:
                cache.pop(key, None)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._forgets += 1
            self._cache().pop(key, None)

    def clear(self) -> None:
        """Drop everything (the store was emptied or replaced)."""
        with self._lock:
            self._forgets += 1
            self._cache().clear()
