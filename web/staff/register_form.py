"""Counter registration, second half: for the merchant the counter confirmed, choose the order,
the items, the reason, refund or exchange and photos, and submit in one go. Counter staff may
approve on the spot where the policy allows it (domain/ says); a supervisor may override a
closed window with a written reason. Each check is domain/'s, as in the merchant's form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.counter import Registration, register_return
from db.drafts import held_serials
from db.errors import NotFound
from db.merchants import MerchantAccount
from db.orders import OrderView, merchant_order, merchant_orders
from db.policies import current_policy
from db.returns import apply_action
from db.snapshots import load_snapshot
from db.staff import StaffAccount
from domain.labels import REASON_LABELS, RESOLUTION_LABELS
from domain.lifecycle import Action, Command, Refusal, Resolution, allowed_actions
from domain.limits import MAX_DESCRIPTION, MAX_MESSAGE
from domain.return_form import check_items, check_reason
from domain.terms import Reason, Role
from domain.text import N_
from web.auth import current_staff
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import item_choices, row_id
from web.staff.register import GUARDS, confirmed_merchant, page
from web.uploads import UPLOAD_BODY_LIMIT, chosen_files, prepared_files

OVERRIDE_NEEDS_REASON = N_("Say why the closed return window is overridden.")
WINDOW_CLOSED_COUNTER = N_(
    "The return window of this order has closed. A supervisor can override it with a reason."
)


async def _merchant_or_start(request: Request[Any, Any, Any]) -> MerchantAccount | Response[Any]:
    merchant = await confirmed_merchant(request)
    return merchant if merchant else redirect_to(request, "/staff/register")


@get("/staff/register/orders", name="staff_register_orders", guards=GUARDS)
async def orders(request: Request[Any, Any, Any]) -> Response[Any]:
    merchant = await _merchant_or_start(request)
    if isinstance(merchant, Response):
        return merchant
    listed = await merchant_orders(merchant.id, datetime.now(UTC))
    may_override = current_staff(request).role is Role.SUPERVISOR
    return page(request, "register_orders.html", walk_in=merchant, orders=listed,
                 may_override=may_override)  # fmt: skip


async def _order(merchant: MerchantAccount, order_id: str) -> OrderView:
    # a crafted id, or another merchant's order: the same 404
    order = await merchant_order(merchant.id, datetime.now(UTC), order_id=row_id(order_id))
    if order is None:
        raise NotFound(order_id)
    return order


async def _form(request: Request[Any, Any, Any], merchant: MerchantAccount, order: OrderView,
          values: dict[str, Any], errors: dict[str, str], holders: dict[str, Any],
          status_code: int = 200) -> Response[Any]:  # fmt: skip
    staff = current_staff(request)
    counters_approve = (await current_policy())[1].counter_approves_change_of_mind
    return page(
        request,
        "register_form.html",
        status_code,
        walk_in=merchant,
        order=order,
        values=values,
        errors=errors,
        holders=holders,
        reasons=[(r.value, _(REASON_LABELS[r])) for r in Reason],
        resolutions=[(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution],
        may_override=staff.role is Role.SUPERVISOR and not order.eligibility.eligible,
        may_approve=staff.role is Role.COUNTER and counters_approve,
        max_description=MAX_DESCRIPTION,
        max_message=MAX_MESSAGE,
    )


@get("/staff/register/orders/{order_id:str}", name="staff_register_form", guards=GUARDS)
async def form_page(request: Request[Any, Any, Any], order_id: FromPath[str]) -> Response[Any]:
    merchant = await _merchant_or_start(request)
    if isinstance(merchant, Response):
        return merchant
    order = await _order(merchant, order_id)
    serials = [line.serial_number for line in order.lines if line.serial_number]
    values: dict[str, Any] = {"resolution": Resolution.REFUND.value, "selected": set()}
    return await _form(request, merchant, order, values, {}, await held_serials(serials))


def _typed(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {k: str(form.get(k) or "")[: MAX_MESSAGE + 1] for k in
              ("reason", "description", "resolution", "override_reason", "approve_now")}  # fmt: skip
    values["selected"] = {c.order_item_id for c in item_choices(form)}
    return values


@post(
    "/staff/register/orders/{order_id:str}",
    name="staff_register_submit",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def submit(request: Request[Any, Any, Any], order_id: FromPath[str]) -> Response[Any]:
    merchant = await _merchant_or_start(request)
    if isinstance(merchant, Response):
        return merchant
    order = await _order(merchant, order_id)
    form = await request.form()
    values = _typed(form)
    serials = [line.serial_number for line in order.lines if line.serial_number]
    holders = await held_serials(serials)
    lines = [line.as_order_line() for line in order.lines]
    items, problems = check_items(lines, item_choices(form), holders)
    reason, reason_problems = check_reason(values["reason"], values["description"])
    errors = {name: render_text(text) for name, text in {**problems, **reason_problems}.items()}
    staff = current_staff(request)
    override = values["override_reason"].strip() if staff.role is Role.SUPERVISOR else ""
    if not order.eligibility.eligible and not override:
        words = OVERRIDE_NEEDS_REASON if staff.role is Role.SUPERVISOR else WINDOW_CLOSED_COUNTER
        errors["override_reason"] = _(words)
    prepared, file_problem = await prepared_files(chosen_files(form))
    if file_problem:
        errors["files"] = file_problem
    if errors or reason is None:
        return await _form(request, merchant, order, values, errors, holders, 422)
    resolution = Resolution.EXCHANGE if values["resolution"] == "exchange" else Resolution.REFUND
    registration = Registration(merchant.id, order.id, items, reason, values["description"],
                                resolution, merchant.phone, staff.outlet_id)  # fmt: skip
    now = datetime.now(UTC)
    result = await register_return(registration, staff.actor, staff.display_name, prepared,
                                   request.app.state.files, now, override_reason=override)  # fmt: skip
    if isinstance(result, Refusal):
        errors = {"form": render_text(result.message)}
        return await _form(request, merchant, order, values, errors, holders, 422)
    if values["approve_now"] == "on" and staff.role is Role.COUNTER:
        await _approve_on_the_spot(result.request_id, staff, now)
    return redirect_to(request, f"/staff/requests/{result.rma}")


async def _approve_on_the_spot(request_id: int, staff: StaffAccount, now: datetime) -> None:
    """Where domain/ lets this counter approve (policy, reason, window), approve; otherwise the
    request waits for a reviewer, as any other, and the request screen says what it waits for."""
    if Action.APPROVE in allowed_actions(await load_snapshot(request_id), staff.actor, now):
        await apply_action(request_id, Command(Action.APPROVE), staff.actor, now,
                           actor_name=staff.display_name)  # fmt: skip


ROUTES: list[Any] = [orders, form_page, submit]
