"""Merchant sign-in by phone and one-time SMS code, and sign-out.

/login answers the same whether the number is registered or not, and counts both against the
limits: nobody can list which phones are merchants'. The code goes out sealed through the
outbox, with the moment it stops being worth sending.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from redis.asyncio import Redis

from db.crypto import seal_code
from db.merchants import merchant_by_phone
from db.outbox import add_to_outbox
from domain.text import N_
from web.cookies import PENDING_SIGN_IN, SESSION, forget, private_cookie, read
from web.i18n import current_locale
from web.i18n import gettext as _
from web.limits import client_ip
from web.merchant.codes import (
    CODE_TTL,
    TOO_MANY_CODES,
    SignInCodes,
    mask_phone,
    normalise_phone,
)
from web.navigation import local_path, redirect_to
from web.rendering import render
from web.sessions import SESSION_TTL, SessionStore, session_token

_PENDING_TTL = 10 * 60
BAD_PHONE = N_("Please enter the 11-digit mobile number you gave when you ordered.")


def _codes(request: Request[Any, Any, Any]) -> SignInCodes:
    return SignInCodes(request.app.state.redis, request.app.state.settings.secret_key)


@get("/login", name="login")
async def login_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(
        request,
        "merchant/login.html",
        next_path=local_path(request.query_params.get("next")),
        phone="",
        error=None,
    )


async def _fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted fields as text, whichever encoding the form used."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


@post("/login", name="login_submit")
async def login_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    data = await _fields(request)
    next_path = local_path(data.get("next"))
    typed = data.get("phone", "")[:40]
    phone = normalise_phone(typed)
    error = None
    if phone is None:
        error = BAD_PHONE
    elif not await _codes(request).within_limits(phone, client_ip(request)):
        error = TOO_MANY_CODES
    if error is not None or phone is None:
        return render(
            request,
            "merchant/login.html",
            status_code=422,
            next_path=next_path,
            phone=typed,
            error=_(error or BAD_PHONE),
        )
    # A code is made either way, so the code page answers the same for every number; only a
    # registered number is sent one.
    code = await _codes(request).issue(phone)
    if await merchant_by_phone(phone) is not None:
        await _send_code(request, phone, code)
    token = secrets.token_urlsafe(24)
    await request.app.state.redis.set(f"signin-pending:{token}", phone, ex=_PENDING_TTL)
    response = redirect_to(request, "/login/code?" + urlencode({"next": next_path}))
    response.set_cookie(private_cookie(request, PENDING_SIGN_IN, token, _PENDING_TTL))
    return response


async def _send_code(request: Request[Any, Any, Any], phone: str, code: str) -> None:
    now = datetime.now(UTC)
    await add_to_outbox(
        key=f"signin:{secrets.token_hex(12)}",
        job="send_sign_in_code",
        payload={
            "phone": phone,
            "sealed_code": seal_code(request.app.state.settings.secret_key, code),
            "locale": current_locale(),
            # after this a code is useless: the job drops it rather than send it late
            "expires_at": (now + timedelta(seconds=CODE_TTL)).isoformat(),
        },
        due_at=now,
    )


async def _pending_phone(request: Request[Any, Any, Any]) -> str | None:
    token = read(request, PENDING_SIGN_IN)
    if not token or len(token) > 64:
        return None
    redis: Redis = request.app.state.redis
    phone = await redis.get(f"signin-pending:{token}")
    return phone.decode() if isinstance(phone, bytes) else phone


def _code_page(
    request: Request[Any, Any, Any], phone: str, next_path: str, error: str | None = None
) -> Response[Any]:
    return render(
        request,
        "merchant/login_code.html",
        status_code=422 if error else 200,
        masked_phone=mask_phone(phone),
        phone=phone,
        next_path=next_path,
        error=error,
    )


@get("/login/code", name="login_code")
async def code_form(request: Request[Any, Any, Any]) -> Response[Any]:
    phone = await _pending_phone(request)
    next_path = local_path(request.query_params.get("next"))
    if phone is None:
        return redirect_to(request, "/login?" + urlencode({"next": next_path}))
    return _code_page(request, phone, next_path)


@post("/login/code", name="login_code_submit")
async def code_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    data = await _fields(request)
    phone = await _pending_phone(request)
    next_path = local_path(data.get("next"))
    if phone is None:
        return redirect_to(request, "/login?" + urlencode({"next": next_path}))
    problem = await _codes(request).verify(phone, data.get("code", ""))
    merchant = await merchant_by_phone(phone) if problem is None else None
    if problem is not None or merchant is None:
        message = problem.message if problem else N_("Please request a new code.")
        return _code_page(request, phone, next_path, _(message))
    sessions = SessionStore(request.app.state.redis)
    # a new session id at sign-in: one someone planted dies, and with it its CSRF token
    await sessions.destroy(session_token(request))
    token = await sessions.create({"merchant_id": merchant.id})
    await request.app.state.redis.delete(f"signin-pending:{read(request, PENDING_SIGN_IN)}")
    response = redirect_to(request, next_path)
    response.set_cookie(private_cookie(request, SESSION, token, SESSION_TTL))
    forget(response, request, PENDING_SIGN_IN)
    return response


@post("/logout", name="logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    await SessionStore(request.app.state.redis).destroy(session_token(request))
    response = redirect_to(request, "/")
    forget(response, request, SESSION)
    return response


ROUTES: list[Any] = [login_form, login_submit, code_form, code_submit, logout]
