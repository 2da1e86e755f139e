"""The per-process caches of hot reads (tokens, access, names): bounded, timed by a setting, and
never keeping a value read while a forget ran."""
from __future__ import annotations

from config.process_cache import ProcessCache


def test_a_value_read_while_a_forget_ran_is_not_kept(settings):
    settings.ACCESS_CACHE_SECONDS = 30
    cache = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=10)
    generation = cache.generation()  # a read from the store starts
    cache.forget("ada")  # meanwhile Ada left: the read may hold her old grant
    cache.put("ada", True, generation=generation)
    assert cache.get("ada") is None
    cache.put("ada", True, generation=cache.generation())
    assert cache.get("ada") is True


def test_forget_where_drops_what_it_names_and_zero_seconds_keeps_nothing(settings):
    settings.ACCESS_CACHE_SECONDS = 30
    cache = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=10)
    cache.put_many([(("g1", 1), True), (("g2", 1), True)], generation=cache.generation())
    cache.forget_where(lambda key, _: key[0] == "g1")
    assert cache.get_many([("g1", 1), ("g2", 1)]) == [None, True]
    settings.ACCESS_CACHE_SECONDS = 0
    cache.put("x", True, generation=cache.generation())
    assert cache.get("x") is None and cache.get(("g2", 1)) is None


def test_it_holds_at_most_maxsize_entries(settings):
    settings.ACCESS_CACHE_SECONDS = 30
    cache = ProcessCache("ACCESS_CACHE_SECONDS", maxsize=3)
    cache.put_many([(i, i) for i in range(10)], generation=cache.generation())
    assert sum(v is not None for v in cache.get_many(range(10))) == 3
