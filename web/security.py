"""Headers every response carries, and the locale every request is served in."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web import i18n
from web.cookies import LANGUAGE, cookies_of

# No inline script anywhere: htmx is loaded from /static and configured through a meta tag.
# 'wasm-unsafe-eval' lets the camera reader compile its WebAssembly (served from /static, as
# every script is); it allows no eval of script. Site-wide, since a boosted navigation keeps the
# policy of the page first loaded: a per-page policy would hold only after a full load.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
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


_RAW_HEADERS = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


def with_security_headers(send: Send) -> Send:
    """`send`, adding the headers to the start of every response that lacks them (a page may
    set its own, e.g. a stricter CSP for served files)."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or ())
            present = {name.lower() for name, _value in headers}
            headers += [pair for pair in _RAW_HEADERS if pair[0] not in present]
            message = {**message, "headers": headers}
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
    accept = None
    for name, value in scope["headers"]:
        if name == b"accept-language":
            accept = value.decode("latin-1")
    i18n.set_locale(i18n.choose_locale(cookies_of(scope).get(LANGUAGE), accept))


def locale_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            apply_locale(scope)
        await app(scope, receive, send)

    return middleware
