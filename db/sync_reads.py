"""Reading back what the provider's data changed, for the provider to reconcile (the sync
API's GETs): rows with their update time, least recently changed first, by a cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.tables import Merchant, Order, OrderItem, Product, Terminal

_TABLES: dict[str, Any] = {"merchants": Merchant, "products": Product, "orders": Order,
                           "terminals": Terminal}  # fmt: skip


async def changed_since(
    kind: str, since: datetime | None, after: tuple[datetime, int] | None, limit: int
) -> list[dict[str, Any]]:
    """Rows the provider's data changed (updated_at set), least recently changed first, at
    or after `since` and past the cursor `after` (updated_at, id)."""
    table = _TABLES[kind]
    where: Any = table.updated_at.is_not_null()
    if since is not None:
        where &= table.updated_at >= since
    if after is not None:
        when, last = after
        where &= (table.updated_at > when) | ((table.updated_at == when) & (table.id > last))
    # each kind's rows with what names its relations as the provider does
    named: list[Any] = []
    if table is Product:
        named.append(Product.category.key.as_alias("category_key"))
    if table is Order:
        named.append(Order.merchant.external_id.as_alias("merchant_external_id"))
    query = table.select(*table.all_columns(), *named).where(where)
    query = query.order_by(table.updated_at).order_by(table.id).limit(limit)
    rows: list[dict[str, Any]] = await query
    if kind == "orders" and rows:
        lines = await OrderItem.select(
            OrderItem.order, OrderItem.line_no, OrderItem.quantity, OrderItem.unit_price_fen,
            OrderItem.serial_number, OrderItem.product.sku.as_alias("sku"),
        ).where(OrderItem.order.is_in([row["id"] for row in rows])).order_by(OrderItem.id)  # fmt: skip
        by_order: dict[int, list[dict[str, Any]]] = {}
        for line in lines:
            by_order.setdefault(line["order"], []).append(line)
        for row in rows:
            row["lines"] = by_order.get(row["id"], [])
    return rows
