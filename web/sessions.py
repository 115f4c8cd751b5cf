"""Server-side sessions in Redis, so every web process sees the same sign-ins."""

from __future__ import annotations

import json
import secrets
from typing import Any

from litestar.connection import ASGIConnection
from redis.asyncio import Redis

from web import cookies

SESSION_TTL = 7 * 24 * 3600
_PREFIX = "session:"


class SessionStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def load(self, token: str | None) -> dict[str, Any] | None:
        if not token or len(token) > 100:
            return None
        raw = await self.redis.get(_PREFIX + token)
        return json.loads(raw) if raw else None

    async def create(self, data: dict[str, Any], ttl: int = SESSION_TTL) -> str:
        """A new session under a new id: signing in never reuses an id someone may have planted."""
        token = secrets.token_urlsafe(32)
        await self.redis.set(_PREFIX + token, json.dumps(data), ex=ttl)
        return token

    async def replace(self, token: str, data: dict[str, Any], ttl: int = SESSION_TTL) -> None:
        """New contents for a session that exists (a pending sign-in counting its tries)."""
        if token and len(token) <= 100:
            await self.redis.set(_PREFIX + token, json.dumps(data), ex=ttl, xx=True)

    async def destroy(self, token: str | None) -> None:
        if token:
            await self.redis.delete(_PREFIX + token)


def session_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The session this request carries (read as the CSRF check reads it)."""
    return cookies.read(connection, cookies.SESSION)
