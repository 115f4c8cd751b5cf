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
from http.cookies import SimpleCookie
from typing import Any

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.sessions import SESSION_COOKIE

VISITOR_COOKIE = "rd_visit"
HEADER = b"x-csrftoken"
FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXEMPT_PREFIXES = ("/api/",)


def token_for(secret: str, binding: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope["headers"]:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header counts as no cookies
                continue
    return {key: morsel.value for key, morsel in jar.items()}


def csrf_token(scope: Scope) -> str:
    """The token pages put into their forms (set by the middleware for every request)."""
    return str(scope.get("state", {}).get("csrf_token", ""))


def csrf_middleware_factory(secret: str, *, secure_cookie: bool) -> Any:
    def csrf_middleware(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["path"].startswith(EXEMPT_PREFIXES):
                await app(scope, receive, send)
                return
            cookies = _cookies(scope)
            binding = cookies.get(SESSION_COOKIE) or cookies.get(VISITOR_COOKIE)
            new_visitor = None
            if binding is None:
                new_visitor = binding = secrets.token_urlsafe(24)
            expected = token_for(secret, binding)
            scope.setdefault("state", {})["csrf_token"] = expected
            unsafe = scope["method"] not in SAFE_METHODS
            # a post from a browser we never gave a token to cannot carry a valid one
            if unsafe and (new_visitor is not None or not await _carries(scope, receive, expected)):
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
        key=VISITOR_COOKIE,
        value=value,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
    ).to_header(header="")

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableScopeHeaders.from_message(message).add("set-cookie", cookie)
        await send(message)

    return wrapped
