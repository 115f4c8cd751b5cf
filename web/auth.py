"""Who is asking: a merchant's or a staff member's session (API keys join here) turned into a
domain Actor, and the guards that let a route through or send the visitor to sign in."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from db.merchants import MerchantAccount, merchant_with_unread
from db.staff import StaffAccount, staff_by_id
from domain.lifecycle import Actor, Role
from web.errors import ROLE_NOT_ALLOWED
from web.navigation import redirect_to
from web.sessions import SessionStore, session_token


class SignInRequired(Exception):
    """Raised by a guard; answered with a redirect to the sign-in page and back."""

    def __init__(self, login_path: str, next_path: str) -> None:
        self.login_path = login_path
        self.next_path = next_path


def sign_in_required_handler(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return redirect_to(request, exc.login_path + "?" + urlencode({"next": exc.next_path}))


def merchant_actor(merchant: MerchantAccount) -> Actor:
    return Actor(Role.MERCHANT, f"merchant:{merchant.id}", merchant.id)


async def session_merchant_id(connection: ASGIConnection[Any, Any, Any, Any]) -> int | None:
    """Whose merchant session this is, from Redis alone (what a poll every few seconds needs)."""
    state = connection.state
    if "merchant_id" not in state.dict():
        session = await SessionStore(connection.app.state.redis).load(session_token(connection))
        found = session.get("merchant_id") if session else None
        state.merchant_id = found if isinstance(found, int) else None
    merchant_id: int | None = state.merchant_id
    return merchant_id


async def signed_in_merchant(
    connection: ASGIConnection[Any, Any, Any, Any],
) -> MerchantAccount | None:
    """The merchant this session belongs to (loaded once per request), with the unread count
    the bell shows on every merchant page."""
    state = connection.state
    if "merchant" in state.dict():
        merchant: MerchantAccount | None = state.merchant
        return merchant
    state.merchant = None
    state.unread_count = 0
    merchant_id = await session_merchant_id(connection)
    if merchant_id is not None and (found := await merchant_with_unread(merchant_id)):
        state.merchant, state.unread_count = found
    return state.merchant  # type: ignore[no-any-return]


def _here(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    path = connection.url.path
    return path + "?" + connection.url.query if connection.url.query else path


async def merchant_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for merchant pages: signed in as a merchant, else to /login and back."""
    if await signed_in_merchant(connection) is None:
        raise SignInRequired("/login", _here(connection))


async def merchant_session_required(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard for the page poller: a merchant session, checked in Redis only."""
    if await session_merchant_id(connection) is None:
        raise SignInRequired("/login", _here(connection))


def current_merchant(request: Request[Any, Any, Any]) -> MerchantAccount:
    """The merchant a guarded handler runs for."""
    merchant: MerchantAccount = request.state.merchant
    return merchant


# -- staff --


async def signed_in_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffAccount | None:
    """The active staff account this session belongs to (loaded once per request): a
    deactivated account is signed out on its next click, and its sessions never come back."""
    state = connection.state
    if "staff" in state.dict():
        staff: StaffAccount | None = state.staff
        return staff
    state.staff = None
    session = await SessionStore(connection.app.state.redis).load(session_token(connection))
    staff_id = session.get("staff_id") if session else None
    if session and isinstance(staff_id, int):
        account = await staff_by_id(staff_id)
        # a session begun before a deactivation or a new password or role is over for good
        if account is not None and session.get("epoch", 0) == account.session_epoch:
            state.staff = account
    return state.staff  # type: ignore[no-any-return]


class RoleNotAllowed(PermissionDeniedException):
    """A signed-in staff member on a page that is not part of their role: 403."""


def staff_required(*roles: Role) -> Any:
    """Guard for staff pages: signed in as staff (else to /staff/login and back), and, when
    `roles` are named, in one of them (else 403)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        staff = await signed_in_staff(connection)
        if staff is None:
            raise SignInRequired("/staff/login", _here(connection))
        if roles and staff.role not in roles:
            raise RoleNotAllowed(ROLE_NOT_ALLOWED)

    return guard


def current_staff(request: Request[Any, Any, Any]) -> StaffAccount:
    """The staff member a guarded handler runs for."""
    staff: StaffAccount = request.state.staff
    return staff
