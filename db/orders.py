"""A merchant's orders as the return form offers them: their lines, and whether each may still
be returned. Only that merchant's orders: anyone else's reads as None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.engine import reading
from db.policies import current_policy
from db.snapshots import aware_at
from db.tables import Order, OrderItem
from domain.policy import Eligibility, check_eligibility
from domain.return_form import OrderLine


@dataclass(frozen=True)
class LineView:
    order_item_id: int
    product_id: int
    name_zh: str
    name_en: str
    category: str
    has_serial: bool
    quantity: int
    serial_number: str | None

    def as_order_line(self) -> OrderLine:
        return OrderLine(
            self.order_item_id, self.product_id, self.has_serial, self.quantity, self.serial_number
        )


@dataclass(frozen=True)
class OrderView:
    id: int
    order_no: str
    completed_at: datetime
    eligibility: Eligibility
    lines: tuple[LineView, ...]


async def _orders(
    merchant_id: int, now: datetime, where: Any = None, limit: int | None = None
) -> list[OrderView]:
    condition = Order.merchant == merchant_id
    if where is not None:
        condition &= where
    query = Order.select(Order.id, Order.order_no, Order.completed_at).where(condition)
    query = query.order_by(Order.completed_at, ascending=False).order_by(Order.id, ascending=False)
    orders = await (query.limit(limit) if limit else query)
    if not orders:
        return []
    lines = await (
        OrderItem.select(
            OrderItem.id,
            OrderItem.order,
            OrderItem.quantity,
            OrderItem.serial_number,
            OrderItem.product.id,
            OrderItem.product.name_zh,
            OrderItem.product.name_en,
            OrderItem.product.has_serial,
            OrderItem.product.category.key,  # type: ignore[union-attr]
        )
        .where(OrderItem.order.is_in([order["id"] for order in orders]))
        .order_by(OrderItem.id)
    )
    _, policy = await current_policy()
    by_order: dict[int, list[LineView]] = {}
    for line in lines:
        by_order.setdefault(line["order"], []).append(LineView(
            order_item_id=line["id"], product_id=line["product.id"],
            name_zh=line["product.name_zh"], name_en=line["product.name_en"],
            category=line["product.category.key"], has_serial=bool(line["product.has_serial"]),
            quantity=line["quantity"], serial_number=line["serial_number"]))  # fmt: skip
    views = []
    for order in orders:
        own = tuple(by_order.get(order["id"], ()))
        completed_at = aware_at(order["completed_at"])
        eligibility = check_eligibility(completed_at, [line.category for line in own], policy, now)
        views.append(OrderView(order["id"], order["order_no"], completed_at, eligibility, own))
    views.sort(key=lambda view: view.completed_at, reverse=True)
    return views


async def merchant_orders(
    merchant_id: int, now: datetime, limit: int | None = None
) -> list[OrderView]:
    """The merchant's orders, newest first (the `limit` newest), each with whether it may still
    be returned."""
    async with reading():
        return await _orders(merchant_id, now, limit=limit)


async def merchant_order(
    merchant_id: int, now: datetime, *, order_no: str | None = None, order_id: int | None = None
) -> OrderView | None:
    """One order of this merchant, by number (as typed, case and spaces forgiven) or by id."""
    if order_id is not None:
        condition = Order.id == order_id
    else:
        typed = "".join((order_no or "").split()).upper()
        if not typed:
            return None
        condition = Order.order_no == typed
    async with reading():
        found = await _orders(merchant_id, now, condition)
    return found[0] if found else None
