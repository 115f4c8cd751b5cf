"""A merchant's orders as a partner files returns against them: each line with its unit's serial
number where the order lists one, and whether the order may still be returned (until when)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.params import QueryParameter

from db.merchants import merchant_by_id, merchant_by_phone
from db.orders import OrderView, merchant_order, merchant_orders
from domain.partners import Scope
from domain.return_form import normalise_mobile
from web.api.problems import field_errors, problem_docs
from web.i18n import gettext as _
from web.i18n import render_text

READ = {"scope": Scope.RETURNS_READ}


class ApiLine(msgspec.Struct, kw_only=True):
    order_item_id: int
    name_zh: str
    name_en: str
    quantity: int
    has_serial: bool
    serial_number: str | None  # the unit this line delivered, where the order lists it


class ApiOrder(msgspec.Struct, kw_only=True):
    order_no: str
    completed_at: datetime
    returnable: bool
    window_closes_at: datetime  # the moment the return window ends
    why: str  # in words, in the language asked for
    lines: list[ApiLine]


class OrderList(msgspec.Struct, kw_only=True):
    merchant_id: int
    data: list[ApiOrder]  # newest first


def _order(order: OrderView) -> ApiOrder:
    return ApiOrder(
        order_no=order.order_no,
        completed_at=order.completed_at,
        returnable=order.eligibility.eligible,
        window_closes_at=order.eligibility.closes_at,
        why=render_text(order.eligibility.message),
        lines=[ApiLine(order_item_id=line.order_item_id, name_zh=line.name_zh, name_en=line.name_en,
                       quantity=line.quantity, has_serial=line.has_serial,
                       serial_number=line.serial_number) for line in order.lines],
    )  # fmt: skip


@get("/orders", opt=READ, responses=problem_docs(400, 401, 403, 422),
     summary="A merchant's orders, with what may still be returned",
     description="Name the merchant by `merchant_id` (all their orders, or one with "
     "`order_no`), or by `phone` (mainland mobile) together with `order_no`.")  # fmt: skip
async def list_orders(
    request: Request[Any, Any, Any],
    merchant_id: Annotated[
        int | None, QueryParameter(name="merchant_id", ge=1, le=2**31 - 1)
    ] = None,
    phone: Annotated[str | None, QueryParameter(name="phone", max_length=20)] = None,
    order_no: Annotated[str | None, QueryParameter(name="order_no", max_length=40)] = None,
) -> OrderList:
    if (merchant_id is None) == (phone is None):
        raise field_errors(
            {"merchant_id": _("Name the merchant by merchant_id or by phone, one of the two.")}
        )
    if phone is not None and not order_no:  # a phone number alone tells nothing about anyone
        raise field_errors({"order_no": _("With a phone number, name the order too.")})
    if phone is not None:
        mobile = normalise_mobile(phone)
        merchant = await merchant_by_phone(mobile) if mobile else None
    else:
        merchant = await merchant_by_id(merchant_id or 0)
    if merchant is None:
        field = "phone" if phone is not None else "merchant_id"
        raise field_errors({field: _("There is no such merchant.")})
    now = datetime.now(UTC)
    if order_no is not None:
        found = await merchant_order(merchant.id, now, order_no=order_no)
        orders = [found] if found else []
    else:
        orders = await merchant_orders(merchant.id, now)
    return OrderList(merchant_id=merchant.id, data=[_order(order) for order in orders])


ROUTES: list[Any] = [list_orders]
