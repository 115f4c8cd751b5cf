"""Errors as the user sees them: a page in their language (or JSON for the API), never a
traceback. Bad input is a 4xx that changes nothing; a database or queue that does not answer is
a 503 that says what was typed is kept."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from db.errors import Conflict, NotFound, database_unavailable
from domain.text import N_
from web.cookies import DUPLICATE
from web.i18n import gettext as _
from web.params import BAD_DAY
from web.rendering import render
from web.security import apply_locale

log = logging.getLogger("returndesk.web")

_TITLES = {
    400: N_("This request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("We could not find this page"),
    405: N_("This page cannot be used that way"),
    409: N_("Someone else changed this meanwhile"),
    413: N_("What you sent is too large"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("ReturnDesk is briefly unavailable"),
}

# Redis that does not answer (the database's own cases are db.errors.database_unavailable)
_REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)

# where an htmx request's 503 goes: an alert above the form, which stays as it was typed
SERVICE_ALERT = "#service-alert"


def _respond(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str = "",
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    # A path no route matches never passes through the route middleware: set the language here.
    apply_locale(request.scope)
    title = _(_TITLES.get(status_code, _TITLES[500]))
    if request.url.path.startswith("/api/"):  # the partner API's problem details (RFC 9457)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            status_code, "error"
        )
        return Response(
            content={"type": f"https://returndesk.example/problems/{code}", "title": title,
                     "status": status_code, "detail": detail or title, "code": code},
            status_code=status_code,
            media_type="application/problem+json",
            headers=headers,
        )  # fmt: skip
    return render(
        request,
        "errors/error.html",
        status_code=status_code,
        title=title,
        detail=detail,
        headers=headers,
    )


ROLE_NOT_ALLOWED = "not part of this role"  # the detail web.auth's staff guard raises with


def _route_opt(request: Request[Any, Any, Any], name: str) -> str:
    """What the route that refused the request says of `name` in its `opt` ("" if nothing)."""
    handler = request.scope.get("route_handler")
    return str(getattr(handler, "opt", {}).get(name, "")) if handler is not None else ""


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code if exc.status_code in _TITLES else 500
    if status == 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
    detail = ""
    # A CSRF failure is a 403 whose detail is technical: say what the person can do instead.
    if status == 403 and "CSRF" in (exc.detail or ""):
        detail = _("The form had expired. Please go back, reload the page and try again.")
    elif status == 400 and exc.detail == DUPLICATE:
        detail = _(
            "Your browser sent this site's sign-in cookie twice, so we cannot tell whose it is. Please clear this site's cookies and sign in again."
        )
    elif status == 400 and exc.detail == BAD_DAY:
        detail = _("Choose a date between 1 January 2000 and 31 December 2099.")
    elif status == 403 and exc.detail == ROLE_NOT_ALLOWED:
        detail = _("This page is part of another role's work. Your own work is in your queue.")
    elif status == 413 and _route_opt(request, "too_large"):
        detail = _(_route_opt(request, "too_large"))  # the route says what it takes
    elif status == 413:
        detail = _(
            "Files can be up to 10 MB each, at most 10 at a time. Please go back and choose fewer or smaller files."
        )
    return _respond(request, status, detail)


def bad_input_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A body or header that is not what a browser sends (bytes that are not UTF-8...)."""
    log.info("bad input on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return _respond(request, 400)


def not_found_handler(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return _respond(request, 404)


def conflict_handler(request: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    return _respond(request, 409)


# text PostgreSQL cannot hold (a NUL character, bytes that are not UTF-8): the typist's input,
# not our fault — 400, and the transaction it failed in changed nothing
_UNSTORABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)


def unstorable(exc: BaseException) -> bool:
    return isinstance(exc, _UNSTORABLE)


def unavailable(exc: BaseException) -> bool:
    """A database or Redis that does not answer (down, restarting, read-only, locked for too
    long): a 503, nothing changed."""
    return isinstance(exc, _REDIS_UNAVAILABLE) or database_unavailable(exc)


def unavailable_response(request: Request[Any, Any, Any], reason: object = "") -> Response[Any]:
    """503: what was typed is kept — htmx leaves the form in place and shows the words above it;
    without script the browser's Back brings the form back as it was filled in."""
    log.warning("service unavailable on %s %s: %s", request.method, request.url.path, reason)
    headers = {"Retry-After": "10", "Cache-Control": "no-store"}
    if request.headers.get("hx-request") == "true":
        apply_locale(request.scope)
        headers |= {"HX-Retarget": SERVICE_ALERT, "HX-Reswap": "innerHTML"}
        return render(
            request, "errors/unavailable.html", block="alert", status_code=503, headers=headers
        )
    return _respond(request, 503, headers=headers)


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if unavailable(exc):
        return unavailable_response(request, exc)
    if isinstance(exc, UnicodeError) or unstorable(exc):
        return bad_input_handler(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception_handler,
    NotFound: not_found_handler,
    Conflict: conflict_handler,
    UnicodeError: bad_input_handler,
    Exception: server_error_handler,
}
