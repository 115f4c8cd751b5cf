"""Step 1: which order, and which of its items (each unit by its SN)."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response

from db.drafts import Draft, create_draft, held_serials, save_items
from db.errors import NotFound
from db.orders import OrderView, merchant_order, merchant_orders
from domain.guards import serial_held
from domain.limits import ORDERS_LISTED
from domain.return_form import ItemChoice, check_items, listed_units
from domain.serials import normalise_serial
from web.auth import current_merchant
from web.i18n import current_locale, render_text
from web.i18n import gettext as _
from web.merchant.form.common import gone, now, page, step_url, words
from web.navigation import redirect_to
from web.params import item_choices, whole_number


def _selection_from_draft(draft: Draft | None) -> dict[int, dict[str, str]]:
    if draft is None:
        return {}
    return {
        item.order_item_id: {"qty": str(item.quantity), "sn": item.serial_number or ""}
        for item in draft.items
    }


async def show(
    request: Request[Any, Any, Any],
    draft: Draft | None,
    *,
    order: OrderView | None = None,
    typed_order_no: str = "",
    selection: dict[int, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    idempotency_key: str = "",
    choose: bool = False,
    status_code: int = 200,
) -> Response[Any]:
    merchant = current_merchant(request)
    listed = order is None or choose
    orders = await merchant_orders(merchant.id, now(), limit=ORDERS_LISTED) if listed else []
    shown = None if choose else order
    delivered = [line.serial_number for line in shown.lines if line.serial_number] if shown else []
    holders = await held_serials(delivered, except_request=draft.id if draft else 0)
    return page(
        request,
        1,
        draft,
        status_code=status_code,
        orders=orders,
        more_orders=len(orders) == ORDERS_LISTED,
        order=shown,
        holders=holders,
        held_words={sn: render_text(serial_held(sn, held).message) for sn, held in holders.items()},
        scan_listed=_listed_serials(shown),
        error_labels=_labels(shown),
        typed_order_no=typed_order_no,
        selection=selection if selection is not None else _selection_from_draft(draft),
        errors=errors or {},
        idempotency_key=idempotency_key or secrets.token_urlsafe(24),
        form_action=step_url(draft.id, 1) if draft else "/returns/new",
        choose_url=(step_url(draft.id, 1) + "?choose=1") if draft else "/returns/new?new=1",
    )


def _listed_serials(order: OrderView | None) -> dict[int, list[str]]:
    """For each line, the SNs (as the check reads them) a code scanned for it must be one of —
    none where any SN of the label will do."""
    lines = [line.as_order_line() for line in order.lines] if order else []
    return {line.order_item_id: [normalise_serial(unit.serial_number or "")
                                 for unit in listed_units(line, lines)] for line in lines}  # fmt: skip


def _labels(order: OrderView | None) -> dict[str, str]:
    """What each field of step 1 is called, for the summary of what to put right."""
    labels = {"order_no": _("Order number"), "item_choice": _("Items to return")}
    zh = current_locale() == "zh_CN"
    for line in order.lines if order else ():
        name = line.name_zh if zh else line.name_en
        labels[f"sn-{line.order_item_id}"] = _("%(item)s: serial number") % {"item": name}
        labels[f"qty-{line.order_item_id}"] = _("%(item)s: quantity") % {"item": name}
    return labels


async def order_from_query(
    request: Request[Any, Any, Any], typed: str
) -> tuple[OrderView | None, dict[str, str]]:
    order = await merchant_order(current_merchant(request).id, now(), order_no=typed[:40])
    if order is None:
        return None, {
            "order_no": _(
                "We could not find this order number among your orders. Please check it, or choose an order from the list."
            )
        }
    if not order.eligibility.eligible:
        return None, {"order_no": render_text(order.eligibility.message)}
    return order, {}


async def show_saved(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    """Step 1 of a saved draft: its order and items, another order typed or chosen."""
    typed = request.query_params.get("order_no", "")
    if request.query_params.get("choose") == "1":
        return await show(request, draft, choose=True)
    if typed:
        order, errors = await order_from_query(request, typed)
        return await show(
            request,
            draft,
            order=order,
            typed_order_no=typed[:40],
            selection={},
            errors=errors,
            choose=order is None,
            status_code=422 if errors else 200,
        )
    order = await merchant_order(draft.merchant_id, now(), order_id=draft.order_id)
    return await show(request, draft, order=order)


async def _read_items(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], list[ItemChoice]]:
    form = await request.form()
    return dict(form), item_choices(form)


async def save(request: Request[Any, Any, Any], draft: Draft | None) -> Response[Any]:
    merchant = current_merchant(request)
    form, choices = await _read_items(request)
    order_id = whole_number(form.get("order_id", ""))
    order = await merchant_order(merchant.id, now(), order_id=order_id) if order_id else None
    if order is None:
        raise NotFound(order_id)
    key = str(form.get("idempotency_key", ""))[:64]
    selection = {c.order_item_id: {"qty": c.quantity_text, "sn": c.serial_text} for c in choices}
    if not order.eligibility.eligible:
        errors = {"order_no": render_text(order.eligibility.message)}
        return await show(request, draft, errors=errors, choose=True, status_code=422)
    lines = [line.as_order_line() for line in order.lines]
    delivered = [line.serial_number for line in order.lines if line.serial_number]
    holders = await held_serials(delivered, except_request=draft.id if draft else 0)
    items, problems = check_items(lines, choices, holders)
    if problems:
        return await show(
            request,
            draft,
            order=order,
            selection=selection,
            errors=words(problems),
            idempotency_key=key,
            status_code=422,
        )
    if draft is None:
        draft_id = await create_draft(merchant.id, order.id, items, key, merchant.phone, now())
    else:
        if not await save_items(draft.id, merchant.id, order.id, items, now()):
            return gone(request, draft)
        draft_id = draft.id
    return redirect_to(request, step_url(draft_id, 2))
