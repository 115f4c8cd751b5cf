"""Taking the provider's records in: each batch read against what is stored in a few queries,
compared record by record, and written in one transaction — new rows added, changed rows
updated, the same rows left alone (and counted as unchanged, so sending a batch twice changes
nothing and says so). A record refused here (it names a merchant or product that is not there,
a phone another merchant holds, or would remove a line a return request uses) writes nothing;
the rest of its batch is kept.

Orders are keyed by order number, their lines by the provider's line number and, for products
with serial numbers, one row per unit. Terminals are keyed by serial number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.table import Table

from db.engine import atomic
from db.risk_facts import stored_finding
from db.snapshots import aware, aware_at
from db.sync_writes import BatchOutcome, Indexed, Journal, Writes
from db.tables import (
    Merchant,
    Order,
    OrderItem,
    Product,
    ProductCategory,
    ReturnItem,
    ReturnRequest,
    SerialClaim,
    Terminal,
)
from domain.risk import TERMINAL_STILL_TRANSACTING
from domain.sync import (
    CATEGORY_NAMES,
    Code,
    MerchantRecord,
    OrderRecord,
    Problem,
    ProductRecord,
    TerminalRecord,
    problem,
    serials_problem,
)


def _same(stored: dict[str, Any], wanted: dict[Any, Any]) -> bool:
    return all(
        _comparable(stored.get(name)) == _comparable(value) for name, value in wanted.items()
    )


def _comparable(value: Any) -> Any:
    return aware(value) if isinstance(value, datetime) else value


async def _put(writes: Writes, outcome: BatchOutcome, table: type[Table],
               stored: dict[str, Any] | None, wanted: dict[Any, Any], now: datetime,
               new_rows: list[Any]) -> None:  # fmt: skip
    """One record against the row it names: new (inserted with the batch's others), the same
    (nothing written), or changed (updated, with its update time)."""
    if stored is None:
        new_rows.append(table(**wanted, updated_at=now))
        outcome.added += 1
    elif _same(stored, wanted):
        outcome.unchanged += 1
    else:
        await writes.update(table, stored, {**wanted, "updated_at": now})
        outcome.updated += 1


# --- merchants -----------------------------------------------------------------------------


def _merchant_values(record: MerchantRecord) -> dict[Any, Any]:
    return {"external_id": record.external_id, "name": record.name, "phone": record.phone,
            "other_phones": ",".join(record.other_phones), "email": record.email,
            "address": record.address, "mid": record.mid}  # fmt: skip


async def upsert_merchants(
    records: Indexed, now: datetime, journal: Journal | None = None
) -> BatchOutcome:
    """Merchants by their external id. A merchant already here under its phone number but not
    yet under an id (made before the provider's data came in) is taken as that merchant."""
    outcome, writes = BatchOutcome(), Writes(journal)
    async with atomic():
        ids = [record.external_id for _, record in records]
        phones = [record.phone for _, record in records]
        stored = await Merchant.select().where(
            Merchant.external_id.is_in(ids or [""]) | Merchant.phone.is_in(phones or [""])
        )
        by_id = {row["external_id"]: row for row in stored if row["external_id"]}
        by_phone = {row["phone"]: row for row in stored}
        # phone → the external id it belongs to after this batch
        taken = {found["phone"]: found["external_id"] or "" for found in stored}
        new_rows: list[Merchant] = []
        for index, record in records:
            row: dict[str, Any] | None = by_id.get(record.external_id)
            holder = taken.get(record.phone)  # None: nobody's; "": a merchant's without an id
            if row is None and holder == "":
                row = by_phone[record.phone]  # taken as this merchant, once
            adopting = holder == "" and row is by_phone.get(record.phone)
            if holder not in (None, record.external_id) and not adopting:
                outcome.refuse(index, [problem("phones[0]", Code.PHONE_TAKEN)])
                continue
            if row is not None and row["phone"] != record.phone:
                taken.pop(row["phone"], None)
            taken[record.phone] = record.external_id
            await _put(writes, outcome, Merchant, row, _merchant_values(record), now, new_rows)
        await writes.insert(Merchant, new_rows)
        return await writes.done(outcome)


# --- products ------------------------------------------------------------------------------


async def _category_ids() -> dict[str, int]:
    """The categories the policy names, made where they are not yet."""
    rows = await ProductCategory.select(ProductCategory.id, ProductCategory.key)
    ids = {row["key"]: row["id"] for row in rows}
    missing = [ProductCategory(key=key, name_zh=zh, name_en=en)
               for key, zh, en in CATEGORY_NAMES if key not in ids]  # fmt: skip
    if missing:
        await ProductCategory.insert(*missing)
        return await _category_ids()
    return ids


async def upsert_products(
    records: Indexed, now: datetime, journal: Journal | None = None
) -> BatchOutcome:
    outcome, writes = BatchOutcome(), Writes(journal)
    async with atomic():
        categories = await _category_ids()
        skus = [record.sku for _, record in records]
        stored = {row["sku"]: row for row in await Product.select().where(
            Product.sku.is_in(skus or [""]))}  # fmt: skip
        new_rows: list[Product] = []
        for _index, record in records:
            await _put(writes, outcome, Product, stored.get(record.sku),
                       _product_values(record, categories), now, new_rows)  # fmt: skip
        await writes.insert(Product, new_rows)
        return await writes.done(outcome)


def _product_values(record: ProductRecord, categories: dict[str, int]) -> dict[Any, Any]:
    return {"sku": record.sku, "name_zh": record.name_zh, "name_en": record.name_en,
            "category": categories[record.category], "has_serial": record.has_serial,
            "unit_price_fen": record.unit_price_fen}  # fmt: skip


# --- orders --------------------------------------------------------------------------------

LineKey = tuple[int, str]  # (line number, serial number or "")


@dataclass(frozen=True)
class _Row:
    product: int
    quantity: int
    unit_price_fen: int


def _wanted_lines(
    record: OrderRecord, products: dict[str, dict[str, Any]]
) -> dict[LineKey, _Row] | list[Problem]:
    """The order's rows as they should be: one per unit for products with serial numbers."""
    found: list[Problem] = []
    rows: dict[LineKey, _Row] = {}
    for n, line in enumerate(record.lines):
        product = products.get(line.sku)
        if product is None:
            found.append(problem(f"items[{n}].sku", Code.UNKNOWN_PRODUCT))
            continue
        mismatch = serials_problem(n, line, bool(product["has_serial"]))
        if mismatch is not None:
            found.append(mismatch)
            continue
        if line.serial_numbers:
            for sn in line.serial_numbers:
                rows[(line.line_no, sn)] = _Row(product["id"], 1, line.unit_price_fen)
        else:
            rows[(line.line_no, "")] = _Row(product["id"], line.quantity, line.unit_price_fen)
    return found or rows


def _order_values(record: OrderRecord, merchant_id: int) -> dict[Any, Any]:
    return {"order_no": record.order_no, "merchant": merchant_id, "channel": record.channel,
            "completed_at": record.completed_at, "delivered_at": record.delivered_at,
            "paid_total_fen": record.paid_total_fen, "invoice_issued": record.invoice_issued,
            "invoice_no": record.invoice_no}  # fmt: skip


@dataclass(frozen=True)
class _Stored:
    """What a batch of orders is compared with, read in a few queries."""

    merchant_ids: dict[str, int]  # external id → merchant
    products: dict[str, dict[str, Any]]  # SKU → id, has_serial
    orders: dict[str, dict[str, Any]]  # order number → row
    lines: dict[int, dict[LineKey, dict[str, Any]]]  # order → its rows by key
    in_use: set[int]  # order lines return requests use
    requested: set[int]  # orders return requests use


async def _stored_for(records: Indexed) -> _Stored:
    merchant_ids = {row["external_id"]: row["id"] for row in await Merchant.select(
        Merchant.id, Merchant.external_id).where(Merchant.external_id.is_in(
            [record.merchant_external_id for _, record in records] or [""]))}  # fmt: skip
    skus = sorted({line.sku for _, record in records for line in record.lines})
    products = {row["sku"]: row for row in await Product.select(
        Product.id, Product.sku, Product.has_serial).where(Product.sku.is_in(skus or [""]))}  # fmt: skip
    stored = {row["order_no"]: row for row in await Order.select().where(Order.order_no.is_in(
        [record.order_no for _, record in records] or [""]))}  # fmt: skip
    order_ids = [row["id"] for row in stored.values()] or [0]
    lines: dict[int, dict[LineKey, dict[str, Any]]] = {}
    for line in await OrderItem.select().where(OrderItem.order.is_in(order_ids)):
        key = (line["line_no"], line["serial_number"] or "")
        lines.setdefault(line["order"], {})[key] = line
    in_use = {row["order_item"] for row in await ReturnItem.select(
        ReturnItem.order_item).where(ReturnItem.order_item.is_in(
            [row["id"] for rows in lines.values() for row in rows.values()] or [0]))}  # fmt: skip
    requested = {row["order"] for row in await ReturnRequest.select(
        ReturnRequest.order).where(ReturnRequest.order.is_in(order_ids))}  # fmt: skip
    return _Stored(merchant_ids, products, stored, lines, in_use, requested)


async def upsert_orders(
    records: Indexed, now: datetime, journal: Journal | None = None
) -> BatchOutcome:
    outcome, writes = BatchOutcome(), Writes(journal)
    async with atomic():
        known = await _stored_for(records)
        new_orders: dict[str, tuple[dict[str, Any], dict[LineKey, _Row]]] = {}
        for index, record in records:
            merchant_id = known.merchant_ids.get(record.merchant_external_id)
            if merchant_id is None:
                outcome.refuse(index, [problem("merchant_external_id", Code.UNKNOWN_MERCHANT)])
                continue
            wanted_lines = _wanted_lines(record, known.products)
            if isinstance(wanted_lines, list):
                outcome.refuse(index, wanted_lines)
                continue
            wanted = _order_values(record, merchant_id)
            row: dict[str, Any] | None = known.orders.get(record.order_no)
            if row is None:
                new_orders[record.order_no] = (wanted, wanted_lines)
                outcome.added += 1
                continue
            have = known.lines.get(row["id"], {})
            problems = _order_change_problems(row, merchant_id, have, wanted_lines, known)
            if problems:
                outcome.refuse(index, problems)
                continue
            same_lines = have.keys() == wanted_lines.keys() and all(
                _Row(have[key]["product"], have[key]["quantity"], have[key]["unit_price_fen"])
                == rowed
                for key, rowed in wanted_lines.items()
            )
            if same_lines and _same(row, wanted):
                outcome.unchanged += 1
                continue
            await writes.update(Order, row, {**wanted, "updated_at": now})
            await _write_lines(writes, row["id"], have, wanted_lines)
            outcome.updated += 1
        await _add_orders(writes, new_orders, now)
        return await writes.done(outcome)


async def _add_orders(
    writes: Writes, new: dict[str, tuple[dict[str, Any], dict[LineKey, _Row]]], now: datetime
) -> None:
    """The batch's new orders in one insert, then all their lines in another."""
    if not new:
        return
    await writes.insert(Order, [Order(**wanted, updated_at=now) for wanted, _ in new.values()])
    ids = {row["order_no"]: row["id"] for row in await Order.select(Order.id, Order.order_no)
           .where(Order.order_no.is_in(list(new)))}  # fmt: skip
    lines = [OrderItem(order=ids[order_no], line_no=key[0], serial_number=key[1] or None,
                       product=rowed.product, quantity=rowed.quantity,
                       unit_price_fen=rowed.unit_price_fen)
             for order_no, (_, wanted_lines) in new.items() for key, rowed in wanted_lines.items()]  # fmt: skip
    await writes.insert(OrderItem, lines)


def _order_change_problems(
    row: dict[str, Any],
    merchant_id: int,
    have: dict[LineKey, dict[str, Any]],
    wanted: dict[LineKey, _Row],
    known: _Stored,
) -> list[Problem]:
    """What a change to a stored order may not do: move an order that return requests use to
    another merchant, or remove (or turn into another product) a line one of them uses."""
    found = []
    if row["merchant"] != merchant_id and row["id"] in known.requested:
        found.append(problem("merchant_external_id", Code.MERCHANT_CHANGED))
    for key, stored in have.items():
        kept = wanted.get(key)
        if stored["id"] in known.in_use and (kept is None or kept.product != stored["product"]):
            found.append(problem("items", Code.LINE_IN_USE))
            break
    return found


async def _write_lines(
    writes: Writes, order_id: int, have: dict[LineKey, dict[str, Any]], wanted: dict[LineKey, _Row]
) -> None:
    await writes.delete(OrderItem, [row for key, row in have.items() if key not in wanted])
    new_rows = []
    for key, rowed in wanted.items():
        stored = have.get(key)
        values: dict[Any, Any] = {"product": rowed.product, "quantity": rowed.quantity,
                  "unit_price_fen": rowed.unit_price_fen}  # fmt: skip
        if stored is None:
            new_rows.append(OrderItem(order=order_id, line_no=key[0],
                                      serial_number=key[1] or None, **values))  # fmt: skip
        elif not _same(stored, values):
            await writes.update(OrderItem, stored, values)
    await writes.insert(OrderItem, new_rows)


# --- terminals -----------------------------------------------------------------------------


def _terminal_values(record: TerminalRecord) -> dict[Any, Any]:
    return {"serial_number": record.serial_number, "mid": record.mid, "tid": record.tid,
            "bound": record.bound, "activated": record.activated,
            "last_transaction_at": record.last_transaction_at}  # fmt: skip


async def upsert_terminals(
    records: Indexed, now: datetime, journal: Journal | None = None
) -> BatchOutcome:
    outcome, writes = BatchOutcome(), Writes(journal)
    async with atomic():
        serials = [record.serial_number for _, record in records]
        stored = {row["serial_number"]: row for row in await Terminal.select().where(
            Terminal.serial_number.is_in(serials or [""]))}  # fmt: skip
        new_rows: list[Terminal] = []
        for _index, record in records:
            await _put(writes, outcome, Terminal, stored.get(record.serial_number),
                       _terminal_values(record), now, new_rows)  # fmt: skip
        await writes.insert(Terminal, new_rows)
        paid = {r.serial_number: r.last_transaction_at for _, r in records if r.last_transaction_at}
        if paid:
            await _payments_after_requests(paid)
        return await writes.done(outcome)


async def _payments_after_requests(paid: dict[str, datetime]) -> None:
    """A terminal that took a payment after its return was requested raises that request's
    risk, once, with that reason (the requests holding its serial number: the live ones)."""
    held = await SerialClaim.select(
        SerialClaim.serial_number, SerialClaim.request.id.as_alias("request"),
        SerialClaim.request.created_at.as_alias("created_at"),
        SerialClaim.request.risk_findings.as_alias("findings"),
    ).where(SerialClaim.serial_number.is_in(list(paid))).output(load_json=True)  # fmt: skip
    for claim in held:
        findings = claim["findings"] or []
        if paid[claim["serial_number"]] <= aware_at(claim["created_at"]) or any(
            found.get("code") == TERMINAL_STILL_TRANSACTING.code for found in findings
        ):
            continue
        await ReturnRequest.update({
            ReturnRequest.risk_findings: [*findings, stored_finding(TERMINAL_STILL_TRANSACTING)],
            ReturnRequest.risk_score: ReturnRequest.risk_score + TERMINAL_STILL_TRANSACTING.points,
        }).where(ReturnRequest.id == claim["request"])  # fmt: skip
