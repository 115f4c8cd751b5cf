"""This site's cookies, read one way everywhere and named so that nobody else can set them.

Every reader (the CSRF check, sign-in, the guards, the language) reads the Cookie header
through `cookies_of`, so the session the CSRF token is bound to is the session a handler acts
for. A request that carries one of our own cookies twice is refused: a sibling subdomain could
have planted the first. Outside development they are named with the `__Host-` prefix (Secure,
Path=/, no Domain), which browsers refuse to take from anywhere but this host over HTTPS."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import ClientException
from litestar.types import Scope

SESSION = "rd_session"  # a merchant's or a staff member's session
VISITOR = "rd_visit"  # binds the CSRF token before anyone signs in
PENDING_SIGN_IN = "rd_signin"  # a merchant's sign-in waiting for its SMS code
LANGUAGE = "lang"  # the language switch; not a credential

OURS = (SESSION, VISITOR, PENDING_SIGN_IN)
HOST_PREFIX = "__Host-"
DUPLICATE = "duplicate session cookies"  # the detail web.errors words for people


@lru_cache(maxsize=4096)
def _parse(header: str) -> tuple[dict[str, str], frozenset[str]]:
    """The cookies by name (the first of each, as browsers list the most specific path first)
    and the names that came more than once."""
    cookies: dict[str, str] = {}
    repeated: set[str] = set()
    for part in header.split(";"):
        name, _sep, value = part.strip().partition("=")
        if not name:
            continue
        if name in cookies:
            repeated.add(name)
        else:
            cookies[name] = value.strip().strip('"')
    return cookies, frozenset(repeated)


def _parsed(scope: Scope) -> tuple[dict[str, str], frozenset[str]]:
    state = scope.setdefault("state", {})
    found: tuple[dict[str, str], frozenset[str]] | None = state.get("rd_cookies")
    if found is None:
        header = "; ".join(
            value.decode("latin-1") for name, value in scope["headers"] if name == b"cookie"
        )
        found = state["rd_cookies"] = _parse(header[:8192])
    return found


def cookies_of(scope: Scope) -> dict[str, str]:
    """The request's cookies, read once (each middleware and page asks)."""
    return _parsed(scope)[0]


def cookie_name(base: str, *, secure: bool) -> str:
    """What a cookie of ours is called: `__Host-` prefixed where it can only come over HTTPS."""
    return HOST_PREFIX + base if secure else base


def refuse_planted(scope: Scope, *, secure: bool) -> None:
    """400 when one of our cookies comes twice: which one is whose cannot be told."""
    repeated = _parsed(scope)[1]
    if any(cookie_name(base, secure=secure) in repeated for base in OURS):
        raise ClientException(DUPLICATE)


def _secure(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return not connection.app.state.settings.debug


def read(connection: ASGIConnection[Any, Any, Any, Any], base: str) -> str | None:
    """The value of one of our cookies on this request, if it carries it."""
    return cookies_of(connection.scope).get(cookie_name(base, secure=_secure(connection)))


def private_cookie(
    connection: ASGIConnection[Any, Any, Any, Any], base: str, value: str, max_age: int
) -> Cookie:
    """A cookie for this site's own use: never read by scripts, not sent along by other sites'
    posts, HTTPS only and host-bound outside development."""
    secure = _secure(connection)
    return Cookie(
        key=cookie_name(base, secure=secure),
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def forget(
    response: Response[Any], connection: ASGIConnection[Any, Any, Any, Any], base: str
) -> None:
    """Tell the browser to drop one of our cookies (with the attributes it was set with: a
    `__Host-` cookie is only replaced by one that is Secure with Path=/)."""
    response.set_cookie(private_cookie(connection, base, "", 0))
