"""A new API key or webhook signing secret, shown once: the post that made it keeps it (sealed,
for a few minutes, beside the supervisor's session) and the page it redirects to takes it — read
and deleted in one step — so it is never in a URL, a redirect, or a page a reload shows again."""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.fernet import InvalidToken
from litestar import Request

from db.crypto import open_shown_once, seal_shown_once
from web.sessions import session_token

KEPT_FOR = 600  # seconds: long enough to follow the redirect, short enough not to linger
NO_STORE = {"Cache-Control": "no-store"}  # the page that shows it is kept by no cache


def _name(request: Request[Any, Any, Any], what: str) -> str | None:
    token = session_token(request)
    if not token:
        return None
    session = hashlib.sha256(token.encode()).hexdigest()  # the session's id is not repeated
    return f"shown-once:{session}:{what}"


async def keep(request: Request[Any, Any, Any], what: str, value: str) -> None:
    """Keep `value` for this session's next page that takes `what` (e.g. "client:7")."""
    name = _name(request, what)
    if name is not None:
        sealed = seal_shown_once(request.app.state.settings.secret_key, value)
        await request.app.state.redis.set(name, sealed, ex=KEPT_FOR)


async def take(request: Request[Any, Any, Any], what: str) -> str | None:
    """The value kept for `what`, gone from the store once read; None when there is none."""
    name = _name(request, what)
    if name is None:
        return None
    async with request.app.state.redis.pipeline(transaction=True) as both:
        found, _ = await both.get(name).delete(name).execute()
    if not found:
        return None
    try:
        return open_shown_once(request.app.state.settings.secret_key, found.decode())
    except InvalidToken:  # kept under another secret key: a restart changed it
        return None
