"""CSRF protection bound to the session: every form post and htmx request carries a token that
only this site can compute, for this browser's session.

The token is an HMAC of the session cookie (or, before sign-in, of a random visitor cookie),
so signing in or out changes it, a token from another session is worthless, and nothing is
stored server-side. The partner API (/api/) authenticates with keys instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.cookies import SESSION, VISITOR, cookie_name, cookies_of, refuse_planted

HEADER = b"x-csrftoken"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PREFIXES = ("/api/",)


def token_for(secret: str, binding: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_token(scope: Scope) -> str:
    """The token pages put into their forms; computed when a page first asks (a poll or a
    file never does)."""
    state = scope.get("state", {})
    if "csrf_token" not in state and "csrf_binding" in state:
        state["csrf_token"] = token_for(state["csrf_secret"], state["csrf_binding"])
    return str(state.get("csrf_token", ""))


def csrf_middleware_factory(secret: str, *, secure_cookie: bool) -> Any:
    session_name = cookie_name(SESSION, secure=secure_cookie)
    visitor_name = cookie_name(VISITOR, secure=secure_cookie)

    def csrf_middleware(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["path"].startswith(EXEMPT_PREFIXES):
                await app(scope, receive, send)
                return
            refuse_planted(scope, secure=secure_cookie)
            cookies = cookies_of(scope)
            binding = cookies.get(session_name) or cookies.get(visitor_name)
            new_visitor = None
            if not binding:
                new_visitor = binding = secrets.token_urlsafe(24)
            scope["state"].update(csrf_binding=binding, csrf_secret=secret)
            if scope["method"] not in SAFE_METHODS:
                # a post from a browser we never gave a token to cannot carry a valid one
                carried = new_visitor is None and await _carries(scope, receive, csrf_token(scope))
                if not carried:
                    raise PermissionDeniedException("CSRF token verification failed")
            if new_visitor is not None:
                send = _setting_visitor_cookie(send, new_visitor, secure_cookie)
            await app(scope, receive, send)

        return middleware

    return csrf_middleware


async def _carries(scope: Scope, receive: Receive, expected: str) -> bool:
    """The htmx header, else the form field (the form is parsed and kept for the handler)."""
    for name, value in scope["headers"]:
        if name == HEADER and hmac.compare_digest(value.decode("latin-1"), expected):
            return True
    from litestar import Request

    request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
    if request.content_type[0] not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return False
    form = await request.form()
    given = form.get(FIELD)
    return isinstance(given, str) and hmac.compare_digest(given, expected)


def _setting_visitor_cookie(send: Send, value: str, secure: bool) -> Send:
    cookie = Cookie(
        key=cookie_name(VISITOR, secure=secure),
        value=value,
        max_age=365 * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    ).to_header(header="")

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
        await send(message)

    return wrapped
