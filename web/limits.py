"""Rate limits held in Redis, so that they hold across every web process; and whom they count.

A counter takes its expiry in the same step as its increment (one script), so a crash between
the two can never leave a counter that locks someone out for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from redis.asyncio import Redis

# INCR, and give the key its window the first time (or whenever it has none): atomically
_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


@dataclass(frozen=True)
class Limit:
    name: str  # e.g. "track:ip"
    most: int  # attempts allowed ...
    window: int  # ... per this many seconds


async def allow(redis: Redis, limit: Limit, who: str) -> bool:
    """Count one attempt by `who`; whether it is within the limit."""
    script: Any = redis.register_script(_COUNT)
    count = await script(keys=[f"ratelimit:{limit.name}:{who}"], args=[limit.window])
    return int(count) <= limit.most


async def attempts(redis: Redis, limit: Limit, who: str) -> int:
    """How many attempts `who` has made in the current window (without counting one)."""
    value = await redis.get(f"ratelimit:{limit.name}:{who}")
    return int(value or 0)


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The address the connection came from. The web server rewrites it from X-Forwarded-For
    only for the proxies named in TRUSTED_PROXIES (dev.py and the README start it so); a
    client's own header is never believed."""
    return connection.client.host if connection.client else "unknown"
