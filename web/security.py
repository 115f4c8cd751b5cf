"""Headers every response carries, and the locale every request is served in."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web import i18n

# No inline script anywhere: htmx is loaded from /static and configured through a meta tag.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "geolocation=(), microphone=()",
    "cross-origin-opener-policy": "same-origin",
}


def with_security_headers(send: Send) -> Send:
    """`send`, adding the headers to the start of every response that lacks them."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message)
            for name, value in SECURITY_HEADERS.items():
                if name not in headers:
                    headers[name] = value
        await send(message)

    return wrapped


def head_as_get(send: Send) -> Send:
    """Answer HEAD like GET, without the body (the headers, Content-Length included, stay)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return wrapped


def apply_locale(scope: Scope) -> None:
    """Serve this request in the remembered language, else the browser's, else Chinese."""
    cookie, accept = None, None
    for name, value in scope["headers"]:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == i18n.LANG_COOKIE:
                    cookie = val
        elif name == b"accept-language":
            accept = value.decode("latin-1")
    i18n.set_locale(i18n.choose_locale(cookie, accept))


def locale_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            apply_locale(scope)
        await app(scope, receive, send)

    return middleware
