"""Counter registration, first half: the walk-in merchant's phone, and the code the merchant
reads back from the SMS it was sent. Only then may the counter file a return in their name
(web.staff.register_form). Supervisors use the same path for a merchant on the phone.

What the counter has confirmed is kept in Redis by staff account for 30 minutes: which
merchant, never a session of theirs — the counter never signs in as the merchant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post

from db.audit import record_staff_action
from db.counter import outlet_name_and_channel
from db.crypto import seal_code
from db.merchants import MerchantAccount, merchant_by_id, merchant_by_phone
from db.outbox import add_to_outbox
from domain.terms import Role
from domain.text import N_
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.limits import Limit, allow
from web.merchant.codes import (
    CODE_TTL,
    CODES_PER_PHONE,
    TOO_MANY_CODES,
    SignInCodes,
    mask_phone,
    normalise_phone,
)
from web.navigation import redirect_to
from web.params import whole_number
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.COUNTER, Role.SUPERVISOR)]
CONFIRMED_TTL = 30 * 60
CODES_PER_DESK = Limit("code:desk", most=30, window=3600)  # one counter, one busy hour
BAD_PHONE = N_("Enter the merchant's 11-digit mobile number.")
NO_MERCHANT = N_("No merchant account has this phone number. Check it with the merchant.")


def _codes(request: Request[Any, Any, Any]) -> SignInCodes:
    settings = request.app.state.settings
    return SignInCodes(request.app.state.redis, settings.secret_key, purpose="counter-code")


def _key(request: Request[Any, Any, Any], what: str) -> str:
    return f"register-{what}:{current_staff(request).id}"


async def confirmed_merchant(request: Request[Any, Any, Any]) -> MerchantAccount | None:
    """The merchant this counter confirmed in the last 30 minutes, if any."""
    stored = await request.app.state.redis.get(_key(request, "merchant"))
    merchant_id = whole_number(stored.decode() if isinstance(stored, bytes) else stored)
    return await merchant_by_id(merchant_id) if merchant_id else None


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200,
          **context: Any) -> Response[Any]:  # fmt: skip
    return render(request, f"staff/{template}", status_code=status_code,
                  nav=staff_nav(current_staff(request), "register"), **context)  # fmt: skip


@get("/staff/register", name="staff_register", guards=GUARDS)
async def start(request: Request[Any, Any, Any]) -> Response[Any]:
    merchant = await confirmed_merchant(request)
    shown = {"name": merchant.name, "phone": mask_phone(merchant.phone)} if merchant else None
    return page(request, "register_phone.html", walk_in=shown, phone="", error="")


@post("/staff/register", name="staff_register_phone", guards=GUARDS)
async def send_code(request: Request[Any, Any, Any]) -> Response[Any]:
    typed = str((await request.form()).get("phone") or "")[:40]
    phone = normalise_phone(typed)
    merchant = await merchant_by_phone(phone) if phone else None
    error = BAD_PHONE if phone is None else (NO_MERCHANT if merchant is None else "")
    redis = request.app.state.redis
    if (
        not error
        and phone
        and not (
            await allow(redis, CODES_PER_PHONE, phone)
            and await allow(redis, CODES_PER_DESK, str(current_staff(request).id))
        )
    ):
        error = TOO_MANY_CODES
    if error or phone is None or merchant is None:
        return page(request, "register_phone.html", 422, walk_in=None, phone=typed,
                     error=_(error or BAD_PHONE))  # fmt: skip
    await _send(request, merchant, await _codes(request).issue(phone))
    await redis.set(_key(request, "phone"), phone, ex=CODE_TTL)
    return redirect_to(request, "/staff/register/code")


async def _send(request: Request[Any, Any, Any], merchant: MerchantAccount, code: str) -> None:
    now = datetime.now(UTC)
    outlet, _channel = await outlet_name_and_channel(current_staff(request).outlet_id)
    await add_to_outbox(
        key=f"counter-code:{current_staff(request).id}:{now.timestamp():.6f}",
        job="send_sign_in_code",
        payload={
            "phone": merchant.phone,
            "sealed_code": seal_code(request.app.state.settings.secret_key, code),
            "locale": merchant.locale,
            "outlet": outlet or _("ReturnDesk customer service"),
            "expires_at": (now + timedelta(seconds=CODE_TTL)).isoformat(),
        },
        due_at=now,
    )


async def _pending_phone(request: Request[Any, Any, Any]) -> str | None:
    stored = await request.app.state.redis.get(_key(request, "phone"))
    return stored.decode() if isinstance(stored, bytes) else stored


@get("/staff/register/code", name="staff_register_code", guards=GUARDS)
async def code_form(request: Request[Any, Any, Any]) -> Response[Any]:
    phone = await _pending_phone(request)
    if phone is None:
        return redirect_to(request, "/staff/register")
    return page(request, "register_code.html", phone=mask_phone(phone), error="")


@post("/staff/register/code", name="staff_register_confirm", guards=GUARDS)
async def confirm(request: Request[Any, Any, Any]) -> Response[Any]:
    phone = await _pending_phone(request)
    if phone is None:
        return redirect_to(request, "/staff/register")
    typed = str((await request.form()).get("code") or "")
    problem = await _codes(request).verify(phone, typed)
    merchant = await merchant_by_phone(phone)
    if problem is not None or merchant is None:
        words = _(problem.message) if problem else _(NO_MERCHANT)
        return page(request, "register_code.html", 422, phone=mask_phone(phone), error=words)
    redis = request.app.state.redis
    await redis.delete(_key(request, "phone"))
    await redis.set(_key(request, "merchant"), str(merchant.id), ex=CONFIRMED_TTL)
    staff = current_staff(request)
    await record_staff_action(
        staff_id=staff.id, staff_name=staff.display_name, action="confirm_merchant",
        subject=mask_phone(merchant.phone), detail=merchant.name, at=datetime.now(UTC),
    )  # fmt: skip
    return redirect_to(request, "/staff/register/orders")


@post("/staff/register/end", name="staff_register_end", guards=GUARDS)
async def end(request: Request[Any, Any, Any]) -> Response[Any]:
    """The merchant has left the counter: the next return needs a new confirmation."""
    await request.app.state.redis.delete(_key(request, "merchant"), _key(request, "phone"))
    return redirect_to(request, "/staff/register")


ROUTES: list[Any] = [start, send_code, code_form, confirm, end]
