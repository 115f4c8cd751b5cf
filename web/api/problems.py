"""Errors of the partner API as RFC 9457 problem details (application/problem+json): a stable
`code` a program can branch on (the domain's refusal codes), a `detail` for a person in the
language of Accept-Language (Chinese unless it asks for English), and `errors[]` per field when
the body itself was not right. Nothing that failed changed anything."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins.problem_details import ProblemDetailsException

from db.errors import Conflict, NotFound
from domain.request import Refusal
from domain.text import N_
from web.errors import unavailable, unstorable
from web.i18n import gettext as _
from web.i18n import render_text
from web.security import apply_locale

log = logging.getLogger("returndesk.api")

PROBLEM_BASE = "https://returndesk.example/problems/"  # names a kind of problem; not fetched

# a status's words when nothing more particular is known
_DETAILS = {
    400: N_("The request could not be understood."),
    401: N_("A valid API key is needed: send it as Authorization: Bearer <key>."),
    403: N_("This key may not do this."),
    404: N_("There is no such thing here, or it is not yours to see."),
    405: N_("This address does not take this method."),
    409: N_("Someone changed this meanwhile, or the same request is still being answered."),
    412: N_("The request changed since you read it: read it again and decide anew."),
    413: N_("What you sent is too large."),
    415: N_("Send JSON (or a multipart form for files)."),
    422: N_("This cannot be done as asked."),
    429: N_("Too many requests: wait as Retry-After says, then try again."),
    500: N_("Something went wrong on our side. Nothing you sent was kept."),
    503: N_("ReturnDesk is briefly unavailable. Nothing you sent was kept; try again shortly."),
}
_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
          413: "too_large", 415: "unsupported_media_type", 422: "unprocessable",
          429: "rate_limited", 500: "server_error", 503: "unavailable"}  # fmt: skip


class ProblemField(msgspec.Struct, kw_only=True):
    field: str  # where in the body or the query: "items[0].serial_number", "cursor"
    code: str
    message: str  # for a person, in the language asked for


class Problem(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str  # for a person, in the language of Accept-Language (zh-CN by default)
    code: str  # stable, for programs: the domain's refusal codes among them
    errors: list[ProblemField] | None = None


# what any operation may answer: a body or parameter not of its type, no key or a bad one, a
# missing scope, nothing of the caller's there, too many requests, an outage
ALWAYS = (400, 401, 403, 404, 413, 415, 429, 503)


def problem_docs(*statuses: int) -> dict[int, ResponseSpec]:
    """The problems an operation may answer with, for its OpenAPI description."""
    statuses = tuple(sorted({*ALWAYS, *statuses}))
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DETAILS.get(status, _DETAILS[500]),
            media_type="application/problem+json",
        )
        for status in statuses
    }


class ApiProblem(ProblemDetailsException):
    """A problem to answer with: its status, stable code and words for a person."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        code = code or _CODES.get(status, "error")
        extra: dict[str, Any] = {"code": code}
        if errors:
            extra["errors"] = errors
        super().__init__(
            status_code=status,
            detail=detail or _(_DETAILS.get(status, _DETAILS[500])),
            title=code.replace("_", " "),
            type_=PROBLEM_BASE + code,
            extra=extra,
            headers=headers,
        )


def refused(refusal: Refusal, status: int = 422) -> ApiProblem:
    """A domain refusal, with the domain's own code and words."""
    return ApiProblem(status, refusal.code, render_text(refusal.message))


def field_errors(errors: dict[str, str]) -> ApiProblem:
    """422 with one entry per field that was not right (words already translated)."""
    return ApiProblem(
        422,
        "invalid_fields",
        _("Some fields are not right: see errors."),
        errors=[
            {"field": name, "code": "invalid", "message": words} for name, words in errors.items()
        ],
    )


def _respond(request: Request[Any, Any, Any], problem: ApiProblem) -> Response[Any]:
    apply_locale(request.scope)  # words in the caller's language, whatever failed first
    return problem.to_response(request)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """The body or a parameter did not match its type: each field named, nothing done."""
    apply_locale(request.scope)
    found = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {
            "field": str(item.get("key") or item.get("source") or "body"),
            "code": "invalid",
            "message": _("This value is not what the field takes."),
            "reason": str(item.get("message", ""))[:200],
        }
        for item in found
        if isinstance(item, dict)
    ] or [{"field": "body", "code": "invalid", "message": _("The body is not valid JSON.")}]
    problem = ApiProblem(
        400, "invalid_body", _("Some fields are not right: see errors."), errors=errors
    )
    return problem.to_response(request)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, ProblemDetailsException):
        return exc.to_response(request)
    status = exc.status_code if exc.status_code in _DETAILS else 500
    return _respond(request, ApiProblem(status, headers=exc.headers))


def _not_found(request: Request[Any, Any, Any], exc: NotFound) -> Response[Any]:
    return _respond(request, ApiProblem(404))


def _conflict(request: Request[Any, Any, Any], exc: Conflict) -> Response[Any]:
    return _respond(request, ApiProblem(409, "changed_meanwhile"))


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if unavailable(exc):
        log.warning("api unavailable on %s %s", request.method, request.url.path)
        return _respond(request, ApiProblem(503, headers={"Retry-After": "10"}))
    if isinstance(exc, UnicodeError) or unstorable(exc):
        return _respond(request, ApiProblem(400))
    log.exception("api error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, ApiProblem(500))


API_EXCEPTION_HANDLERS: dict[Any, Any] = {
    ProblemDetailsException: lambda request, exc: exc.to_response(request),
    ValidationException: _validation,
    HTTPException: _http,
    NotFound: _not_found,
    Conflict: _conflict,
    Exception: _server_error,
}


def problem_response(request: Request[Any, Any, Any], status: int) -> Response[Any]:
    """A problem for a status met outside the API's router (no route matched the path)."""
    return _respond(request, ApiProblem(status))
