"""Lua shared by the leaderboard's Redis scripts."""
from __future__ import annotations

# Keeps a board's distinct point values (for dense ranks) in step with its members: a value's
# count in the hash, the value in a sorted set while its count is above 0.
LEVELS = """
local function level_move(levels, counts, s, delta)
  local cents = math.floor(tonumber(s) / 2147483648)
  local n = redis.call('HINCRBY', counts, cents, delta)
  if n <= 0 then
    redis.call('HDEL', counts, cents)
    redis.call('ZREM', levels, cents)
  elseif n == delta then
    redis.call('ZADD', levels, cents, cents)
  end
end
"""
