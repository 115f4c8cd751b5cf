"""What finance needs to pay a refund: the amount domain/ computed, the method and the account
— its number masked, shown whole only to finance, on request, and every reveal logged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from db.audit import record_staff_action
from db.crypto import decrypt_account
from db.request_views import refund_account
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.rendering import render
from web.staff.request_screen import TEMPLATE, found_request, screen_context


@post(
    "/staff/requests/{rma:str}/account",
    name="staff_reveal_account",
    guards=[staff_required(Role.FINANCE)],
)
async def reveal_account(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """The screen again with the full account number, once; the reveal is in the audit log."""
    page, merchant = await found_request(request, rma)
    staff = current_staff(request)
    holder, bank, sealed = await refund_account(page.details.id)
    number = decrypt_account(request.app.state.settings.secret_key, sealed) if sealed else ""
    await record_staff_action(
        staff_id=staff.id,
        staff_name=staff.display_name,
        action="reveal_account",
        subject=page.details.rma,
        detail=f"ending {page.details.refund_account_last4}",
        at=datetime.now(UTC),
    )
    context = await screen_context(request, page, merchant)
    context["revealed"] = {"holder": holder, "bank": bank, "number": number}
    return render(request, TEMPLATE, headers={"Cache-Control": "no-store"}, **context)


ROUTES: list[Any] = [reveal_account]
