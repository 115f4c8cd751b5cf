"""Merchant sign-in by phone and one-time SMS code, sign-out, and who is signed in on each request."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers import BaseRouteHandler
from redis.asyncio import Redis

from db.merchants import merchant_by_id, merchant_by_phone, unread_count
from db.outbox import add_to_outbox
from domain.text import N_
from web.forms import FormData
from web.i18n import current_locale
from web.i18n import gettext as _
from web.navigation import local_path, redirect_to
from web.rendering import render
from web.sessions import SESSION_COOKIE, SESSION_TTL, SessionStore
from web.signin import SignInCodes, SignInProblem, mask_phone, normalise_phone

PENDING_COOKIE = "rd_signin"
_PENDING_TTL = 10 * 60


class SignInRequired(Exception):
    """Raised by the merchant guard; answered with a redirect to /login and back."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def merchant_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    # Guards run before before_request hooks, so the guard loads the merchant itself.
    await attach_merchant(connection)
    if connection.state.merchant is None:
        path = connection.url.path
        if connection.url.query:
            path += "?" + connection.url.query
        raise SignInRequired(path)


def sign_in_required_handler(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return redirect_to(request, "/login?" + _query(next=exc.next_path))


def _query(**params: str) -> str:
    return urlencode(params)


async def attach_merchant(request: ASGIConnection[Any, Any, Any, Any]) -> None:
    """before_request: who is signed in (if anyone) and their unread count, for every page."""
    if "merchant" in request.state.dict():
        return  # already loaded by the guard for this request
    request.state.merchant = None
    request.state.unread_count = 0
    session = await SessionStore(request.app.state.redis).load(request.cookies.get(SESSION_COOKIE))
    if session and session.get("merchant_id"):
        merchant = await merchant_by_id(int(session["merchant_id"]))
        if merchant is not None:
            request.state.merchant = merchant
            request.state.unread_count = await unread_count(merchant.id)


def _codes(request: Request[Any, Any, Any]) -> SignInCodes:
    return SignInCodes(request.app.state.redis, request.app.state.settings.secret_key)


def _client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


@get("/login", name="login")
async def login_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(
        request,
        "merchant/login.html",
        next_path=local_path(request.query_params.get("next")),
        phone="",
        error=None,
    )


@post("/login", name="login_submit")
async def login_submit(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    next_path = local_path(data.get("next"))
    typed = data.get("phone", "")
    phone = normalise_phone(typed)
    problem: SignInProblem | None = None
    if phone is None:
        problem = SignInProblem(
            "phone", N_("Please enter the 11-digit mobile number you gave when you ordered.")
        )
    elif await merchant_by_phone(phone) is None:
        problem = SignInProblem(
            "phone",
            N_(
                "This number is not registered with ReturnDesk. Please use the mobile number on your order, or call customer service."
            ),
        )
    else:
        issued = await _codes(request).issue(phone, _client_ip(request))
        if isinstance(issued, SignInProblem):
            problem = issued
        else:
            await _send_code(phone, issued)
    if problem is not None or phone is None:
        return render(
            request,
            "merchant/login.html",
            status_code=422,
            next_path=next_path,
            phone=typed,
            error=_(problem.message) if problem else None,
        )
    token = secrets.token_urlsafe(24)
    await request.app.state.redis.set(f"signin-pending:{token}", phone, ex=_PENDING_TTL)
    response = redirect_to(request, "/login/code?" + _query(next=next_path))
    response.set_cookie(
        Cookie(
            key=PENDING_COOKIE,
            value=token,
            max_age=_PENDING_TTL,
            httponly=True,
            samesite="lax",
            secure=not request.app.state.settings.debug,
        )
    )
    return response


async def _send_code(phone: str, code: str) -> None:
    await add_to_outbox(
        key=f"signin:{secrets.token_hex(12)}",
        job="send_sign_in_code",
        payload={"phone": phone, "code": code, "locale": current_locale()},
        due_at=datetime.now(UTC),
    )


async def _pending_phone(request: Request[Any, Any, Any]) -> str | None:
    token = request.cookies.get(PENDING_COOKIE)
    if not token:
        return None
    redis: Redis = request.app.state.redis
    phone = await redis.get(f"signin-pending:{token}")
    return phone.decode() if isinstance(phone, bytes) else phone


@get("/login/code", name="login_code")
async def code_form(request: Request[Any, Any, Any]) -> Response[Any]:
    phone = await _pending_phone(request)
    next_path = local_path(request.query_params.get("next"))
    if phone is None:
        return redirect_to(request, "/login?" + _query(next=next_path))
    return render(
        request,
        "merchant/login_code.html",
        masked_phone=mask_phone(phone),
        phone=phone,
        next_path=next_path,
        error=None,
    )


@post("/login/code", name="login_code_submit")
async def code_submit(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    phone = await _pending_phone(request)
    next_path = local_path(data.get("next"))
    if phone is None:
        return redirect_to(request, "/login?" + _query(next=next_path))
    problem = await _codes(request).verify(phone, data.get("code", ""))
    merchant = await merchant_by_phone(phone) if problem is None else None
    if problem is not None or merchant is None:
        return render(
            request,
            "merchant/login_code.html",
            status_code=422,
            masked_phone=mask_phone(phone),
            phone=phone,
            next_path=next_path,
            error=_(problem.message) if problem else _("Please request a new code."),
        )
    sessions = SessionStore(request.app.state.redis)
    await sessions.destroy(request.cookies.get(SESSION_COOKIE))  # the old id dies at sign-in
    token = await sessions.create({"merchant_id": merchant.id})
    await request.app.state.redis.delete(f"signin-pending:{request.cookies.get(PENDING_COOKIE)}")
    response = redirect_to(request, next_path)
    response.set_cookie(
        Cookie(
            key=SESSION_COOKIE,
            value=token,
            max_age=SESSION_TTL,
            httponly=True,
            samesite="lax",
            secure=not request.app.state.settings.debug,
        )
    )
    response.delete_cookie(PENDING_COOKIE)
    return response


@post("/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    await SessionStore(request.app.state.redis).destroy(request.cookies.get(SESSION_COOKIE))
    response = redirect_to(request, "/")
    response.delete_cookie(SESSION_COOKIE)
    return response
