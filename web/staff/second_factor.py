"""The supervisors' second factor: after the password, a code from a TOTP app (RFC 6238, via
pyotp). The first time, the account enrols by scanning a QR code (segno) and confirming one
code. A code works once (a used time step is remembered in Redis) and five wrong codes end the
attempt, back to the password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyotp
import segno
from litestar import Request, Response, get, post
from markupsafe import Markup
from redis.asyncio import Redis

from db.crypto import open_totp_secret, seal_totp_secret
from db.staff import StaffAccount, enrol_totp, sealed_totp_secret, staff_by_id
from domain.staff import MAX_PASSWORD_LENGTH, SECOND_FACTOR_TRIES
from domain.text import N_
from web.i18n import gettext as _
from web.navigation import local_path, redirect_to
from web.rendering import render
from web.sessions import SessionStore, session_token
from web.staff.session import new_session, signed_in_as

PENDING_TTL = 10 * 60
WRONG_CODE = N_("This code is not right, or was used already. Enter the code your app shows now.")
TOO_MANY = N_("Too many wrong codes. Please sign in again.")
ENROLLED_ELSEWHERE = N_(
    "The second factor of this account was set up meanwhile, in another sign-in. Please sign in again and enter the code from the app used there."
)

# remember the newest time step used, so a code seen over a shoulder cannot be used again
_USE_STEP = """
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) <= last then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


async def start(
    request: Request[Any, Any, Any], account: StaffAccount, next_path: str
) -> Response[Any]:
    """Password accepted for an account that needs a second factor: a pending session (not a
    sign-in) and on to the code, or to enrolment the first time."""
    pending: dict[str, Any] = {"staff_pending": account.id, "next": next_path, "tries": 0,
                               "epoch": account.session_epoch}  # fmt: skip
    enrolled = bool(await sealed_totp_secret(account.id))
    if not enrolled:
        pending["new_secret"] = pyotp.random_base32()
    to = "/staff/login/code" if enrolled else "/staff/login/enrol"
    return await new_session(request, pending, PENDING_TTL, to)


async def _pending(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], StaffAccount] | None:
    session = await SessionStore(request.app.state.redis).load(session_token(request))
    staff_id = session.get("staff_pending") if session else None
    account = await staff_by_id(staff_id) if isinstance(staff_id, int) else None
    if session is None or account is None or session.get("epoch", 0) != account.session_epoch:
        return None
    return session, account


def _qr(account: StaffAccount, secret: str) -> Markup:
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.username, issuer_name="ReturnDesk")
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#1f2328", light="#ffffff")
    return Markup(svg)  # noqa: S704 - segno's own SVG of a URI we built: no outside text in it


def _page(request: Request[Any, Any, Any], account: StaffAccount, session: dict[str, Any],
          error: str = "", status_code: int = 200) -> Response[Any]:  # fmt: skip
    secret = session.get("new_secret")
    return render(
        request,
        "staff/second_factor.html",
        status_code=status_code,
        enrolling=bool(secret),
        qr=_qr(account, secret) if secret else "",
        secret=secret or "",
        error=error,
    )


@get("/staff/login/code", name="staff_code")
async def code_form(request: Request[Any, Any, Any]) -> Response[Any]:
    found = await _pending(request)
    if found is None or "new_secret" in found[0]:
        return redirect_to(request, "/staff/login")
    return _page(request, found[1], found[0])


@get("/staff/login/enrol", name="staff_enrol")
async def enrol_form(request: Request[Any, Any, Any]) -> Response[Any]:
    found = await _pending(request)
    if found is None or "new_secret" not in found[0]:
        return redirect_to(request, "/staff/login")
    return _page(request, found[1], found[0])


async def _step_used(redis: Redis, staff_id: int, step: int) -> bool:
    script: Any = redis.register_script(_USE_STEP)
    return int(await script(keys=[f"totp-used:{staff_id}"], args=[step, 300])) == 1


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step this code belongs to, allowing one step of clock drift either way."""
    totp = pyotp.TOTP(secret)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    for offset in (0, -1, 1):
        if totp.at(now, counter_offset=offset) == code:
            return int(totp.timecode(now)) + offset
    return None


@post("/staff/login/code", name="staff_code_submit")
async def code_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _check_code(request)


@post("/staff/login/enrol", name="staff_enrol_submit")
async def enrol_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _check_code(request)


def _back_to_password(
    request: Request[Any, Any, Any], account: StaffAccount, words: str, status_code: int
) -> Response[Any]:
    return render(request, "staff/login.html", status_code=status_code, next_path="/staff/queue",
                  username=account.username, error=_(words), max_password=MAX_PASSWORD_LENGTH)  # fmt: skip


async def _check_code(request: Request[Any, Any, Any]) -> Response[Any]:
    """A code checked against the key the account has stored — or, while it has none, against
    the key this sign-in is enrolling, which counts only if it is the one stored (the first
    enrolment to store its key wins; any other sign-in starts again)."""
    found = await _pending(request)
    if found is None:
        return redirect_to(request, "/staff/login")
    session, account = found
    form = await request.form()
    code = str(form.get("code") or "").strip().replace(" ", "")[:12]
    settings = request.app.state.settings
    redis: Redis = request.app.state.redis
    sessions = SessionStore(redis)
    token = session_token(request) or ""
    stored = await sealed_totp_secret(account.id)
    enrolling = session.get("new_secret")
    # a key stored meanwhile by another sign-in (or none on either side, after a reset): this
    # sign-in's key is void, start again
    if bool(stored) == bool(enrolling):
        await sessions.destroy(token)
        return _back_to_password(request, account, ENROLLED_ELSEWHERE, 409)
    secret = enrolling or open_totp_secret(settings.secret_key, stored)
    step = _matching_step(secret, code, datetime.now(UTC))
    if step is None or not await _step_used(redis, account.id, step):
        session["tries"] = int(session.get("tries", 0)) + 1
        if session["tries"] >= SECOND_FACTOR_TRIES:
            await sessions.destroy(token)
            return _back_to_password(request, account, TOO_MANY, 429)
        await sessions.replace(token, session, ttl=PENDING_TTL)
        return _page(request, account, session, _(WRONG_CODE), 422)
    if enrolling and not await enrol_totp(
        account.id, seal_totp_secret(settings.secret_key, enrolling)
    ):
        await sessions.destroy(token)  # another sign-in stored its key first
        return _back_to_password(request, account, ENROLLED_ELSEWHERE, 409)
    return await signed_in_as(
        request, account, local_path(session.get("next"), default="/staff/queue")
    )


ROUTES: list[Any] = [code_form, enrol_form, code_submit, enrol_submit]
