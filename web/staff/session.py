"""The staff session: made at sign-in under a new id, one working day long."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from db.staff import StaffAccount
from web.cookies import SESSION, private_cookie
from web.navigation import redirect_to
from web.sessions import SessionStore, session_token

STAFF_SESSION_TTL = 12 * 3600  # one working day; a shared counter PC does not stay signed in


async def new_session(
    request: Request[Any, Any, Any], data: dict[str, Any], ttl: int, to: str
) -> Response[Any]:
    """A new session under a new id — one someone planted dies, and with it its CSRF token —
    and on to `to`."""
    sessions = SessionStore(request.app.state.redis)
    await sessions.destroy(session_token(request))
    token = await sessions.create(data, ttl=ttl)
    response = redirect_to(request, to)
    response.set_cookie(private_cookie(request, SESSION, token, ttl))
    return response


async def signed_in_as(
    request: Request[Any, Any, Any], account: StaffAccount, next_path: str
) -> Response[Any]:
    session = {"staff_id": account.id, "epoch": account.session_epoch}
    return await new_session(request, session, STAFF_SESSION_TTL, next_path)
