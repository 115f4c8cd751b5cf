"""Staff sign-in by user name and password, and sign-out.

Wrong passwords count per user name in Redis (so across every web process): after a few, the
account waits longer after each (domain.staff.lock_seconds), and while it waits no password is
even checked. Unknown names count and answer the same as known ones. Password checks run off
the event loop, two at a time: Argon2 takes 64 MiB and tens of milliseconds each.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from redis.asyncio import Redis

from db.passwords import hash_password, needs_rehash, verify_password
from db.staff import replace_password_hash, sign_in_record
from domain.staff import (
    FAILURES_REMEMBERED_SECONDS,
    MAX_PASSWORD_LENGTH,
    SECOND_FACTOR_ROLES,
    lock_seconds,
)
from domain.text import N_
from web.auth import signed_in_staff
from web.cookies import SESSION, forget
from web.i18n import gettext as _
from web.i18n import ngettext
from web.limits import Limit, allow, client_ip
from web.navigation import local_path, redirect_to
from web.rendering import render
from web.sessions import SessionStore, session_token
from web.staff import second_factor
from web.staff.session import signed_in_as

PER_IP = Limit("staff-login:ip", 30, 15 * 60)
WRONG = N_("The user name or password is not right.")
HOME = "/staff/queue"

_CHECKS = asyncio.Semaphore(2)
_COUNT_FAILURE = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""


def _name_key(username: str) -> str:
    return username.strip().casefold()[:60]


async def _check(password: str, stored: str | None) -> bool:
    async with _CHECKS:
        return await asyncio.to_thread(verify_password, password, stored)


def _form(request: Request[Any, Any, Any], next_path: str, username: str = "", error: str = "",
          status_code: int = 200) -> Response[Any]:  # fmt: skip
    return render(
        request,
        "staff/login.html",
        status_code=status_code,
        next_path=next_path,
        username=username,
        error=error,
        max_password=MAX_PASSWORD_LENGTH,
    )


@get("/staff/login", name="staff_login")
async def login_form(request: Request[Any, Any, Any]) -> Response[Any]:
    next_path = local_path(request.query_params.get("next"), default=HOME)
    if await signed_in_staff(request) is not None:
        return redirect_to(request, next_path)
    return _form(request, next_path)


def _wait_words(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many wrong passwords. Please try again in %(num)d minute.",
        "Too many wrong passwords. Please try again in %(num)d minutes.",
        minutes,
    ) % {"num": minutes}


@post("/staff/login", name="staff_login_submit")
async def login_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    next_path = local_path(fields.get("next"), default=HOME)
    username = fields.get("username", "")[:60]
    password = fields.get("password", "")[:MAX_PASSWORD_LENGTH]
    redis: Redis = request.app.state.redis
    key = _name_key(username)
    if not await allow(redis, PER_IP, client_ip(request)):
        return _form(request, next_path, username, _wait_words(PER_IP.window), 429)
    waiting = await redis.ttl(f"staff-lock:{key}")
    if waiting > 0:
        return _form(request, next_path, username, _wait_words(waiting), 429)
    found = await sign_in_record(key) if key else None
    if not await _check(password, found[1] if found else None) or found is None:
        script: Any = redis.register_script(_COUNT_FAILURE)
        failures = int(await script(keys=[f"staff-fail:{key}"], args=[FAILURES_REMEMBERED_SECONDS]))
        if (hold := lock_seconds(failures)) > 0:
            await redis.set(f"staff-lock:{key}", "1", ex=hold)
        return _form(request, next_path, username, _(WRONG), 422)
    account, stored = found
    await redis.delete(f"staff-fail:{key}", f"staff-lock:{key}")
    if needs_rehash(stored):
        await replace_password_hash(account.id, await asyncio.to_thread(hash_password, password))
    if account.role in SECOND_FACTOR_ROLES:
        return await second_factor.start(request, account, next_path)
    return await signed_in_as(request, account, next_path)


@post("/staff/logout", name="staff_logout")
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    await SessionStore(request.app.state.redis).destroy(session_token(request))
    response = redirect_to(request, "/staff/login?" + urlencode({"next": HOME}))
    forget(response, request, SESSION)
    return response


ROUTES: list[Any] = [login_form, login_submit, logout]
