"""Errors as the user sees them: a page in their language (or JSON for the API), never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from db.returns import Conflict, NotFound
from domain.text import N_
from web.i18n import gettext as _
from web.rendering import render
from web.security import apply_locale

log = logging.getLogger("returndesk.web")

_TITLES = {
    400: N_("This request could not be understood"),
    403: N_("You do not have access to this page"),
    404: N_("We could not find this page"),
    405: N_("This page cannot be used that way"),
    409: N_("Someone else changed this meanwhile"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
}


def _respond(request: Request[Any, Any, Any], status_code: int, detail: str = "") -> Response[Any]:
    # A path no route matches never passes through the route middleware: set language and
    # security headers here too.
    apply_locale(request.scope)
    title = _(_TITLES.get(status_code, _TITLES[500]))
    if request.url.path.startswith("/api/"):
        return Response(
            content={"status_code": status_code, "detail": detail or title},
            status_code=status_code,
            media_type=MediaType.JSON,
        )
    return render(request, "errors/error.html", status_code=status_code, title=title, detail=detail)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code if exc.status_code in _TITLES else 500
    if status == 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail)
    # A CSRF failure is a 403 whose detail is technical: say what the person can do instead.
    detail = ""
    if status == 403 and "CSRF" in (exc.detail or ""):
        detail = _("The form had expired. Please go back, reload the page and try again.")
    return _respond(request, status, detail)


def not_found_handler(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return _respond(request, 404)


def conflict_handler(request: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    return _respond(request, 409)


def server_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HTTPException: http_exception_handler,
    NotFound: not_found_handler,
    Conflict: conflict_handler,
    Exception: server_error_handler,
}
