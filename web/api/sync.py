"""The sync API: the provider's order system keeps ReturnDesk's merchants, products, orders and
terminals current (scope `sync`). Each POST takes a batch of up to 1,000 records and keeps every
good one; each refused record is named in `errors` (index, field, code, words) and changes
nothing. Sending the same batch again changes nothing and says so (`unchanged`). Each GET reads
back what changed since a moment, for the provider to reconcile."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.params import QueryParameter

from db.partner_returns import decode_cursor, encode_cursor
from db.snapshots import aware, aware_at
from db.sync import (
    upsert_merchants,
    upsert_orders,
    upsert_products,
    upsert_terminals,
)
from db.sync_reads import changed_since
from db.sync_writes import BatchOutcome
from domain.partners import Scope
from domain.sync import (
    Code,
    LineIn,
    Problem,
    check_merchant,
    check_order,
    check_product,
    check_terminal,
    problem,
    repeated_keys,
)
from web.api.problems import ProblemField, field_errors, problem_docs
from web.api.sync_schemas import (
    MerchantBody,
    MerchantIn,
    OrderBody,
    OrderIn,
    OrderLineIn,
    ProductBody,
    ProductIn,
    TerminalBody,
    TerminalIn,
)
from web.i18n import gettext as _
from web.i18n import render_text

SYNC = {"scope": Scope.SYNC}
# a batch of 1,000 orders with a few lines each is about 1 MB; more than 16 is not a batch
BATCH_BYTES = 16 * 1024 * 1024
PAGE_LIMIT = 500


class RecordError(ProblemField, kw_only=True):
    """A problem's field entry, naming the record too ("" field: the record as a whole)."""

    index: int  # the record's position in the batch, from 0


class SyncResult(msgspec.Struct, kw_only=True):
    received: int
    added: int
    updated: int
    unchanged: int  # the same as stored: nothing written
    refused: int  # records not taken, each named in errors
    errors: list[RecordError]


def _result(received: int, outcome: BatchOutcome) -> SyncResult:
    errors = [RecordError(index=index, field=found.field, code=found.code.value,
                          message=render_text(found.words))
              for index, found in sorted(outcome.refused, key=lambda pair: pair[0])]  # fmt: skip
    return SyncResult(received=received, added=outcome.added, updated=outcome.updated,
                      unchanged=outcome.unchanged, refused=outcome.refused_records,
                      errors=errors)  # fmt: skip


async def _take(
    records: Sequence[Any],
    key: Callable[[Any], str],
    key_field: str,
    check: Callable[[Any], Any],
    store: Callable[[list[tuple[int, Any]], datetime], Awaitable[BatchOutcome]],
) -> SyncResult:
    """Check each record, refuse the repeats of a key within the batch, store the rest."""
    refused: list[tuple[int, Problem]] = []
    checked: list[tuple[int, Any]] = []
    repeats = repeated_keys([key(record) for record in records])
    for index, record in enumerate(records):
        if index in repeats:
            refused.append((index, problem(key_field, Code.DUPLICATE_IN_BATCH)))
            continue
        found = check(record)
        if isinstance(found, list):
            refused.extend((index, each) for each in found)
        else:
            checked.append((index, found))
    outcome = await store(checked, datetime.now(UTC)) if checked else BatchOutcome()
    outcome.refused = refused + outcome.refused
    return _result(len(records), outcome)


_POSTED = problem_docs(400, 413, 422)


@post("/sync/merchants", opt=SYNC, status_code=200, responses=_POSTED, request_max_body_size=BATCH_BYTES,
      summary="Add or update merchants (up to 1,000 a call)",
      description="Keyed by `external_id`. The first phone is the one the merchant signs in "
      "with; a merchant already known by that phone but without an external id is taken as "
      "the same merchant.")  # fmt: skip
async def sync_merchants(data: MerchantBody) -> SyncResult:
    def check(record: MerchantIn) -> Any:
        return check_merchant(external_id=record.external_id, name=record.name,
                              phones=record.phones, email=record.email,
                              address=record.address, mid=record.mid)  # fmt: skip

    return await _take(data.records, lambda r: r.external_id.strip(), "external_id", check,
                       upsert_merchants)  # fmt: skip


@post("/sync/products", opt=SYNC, status_code=200, responses=_POSTED, request_max_body_size=BATCH_BYTES,
      summary="Add or update products (up to 1,000 a call)",
      description="Keyed by `sku`. `category` is one of terminal, accessory, consumable "
      "(the policy's return windows are per category).")  # fmt: skip
async def sync_products(data: ProductBody) -> SyncResult:
    def check(record: ProductIn) -> Any:
        return check_product(sku=record.sku, name_zh=record.name_zh, name_en=record.name_en,
                             category=record.category, has_serial=record.serialised,
                             unit_price_fen=record.unit_price_fen)  # fmt: skip

    return await _take(data.records, lambda r: r.sku.strip(), "sku", check, upsert_products)


@post("/sync/orders", opt=SYNC, status_code=200, responses=_POSTED, request_max_body_size=BATCH_BYTES,
      summary="Add or update orders with their lines (up to 1,000 a call)",
      description="Keyed by `order_no`; the lines sent are the order's lines (a line not sent "
      "is removed, unless a return request uses it). A product with serial numbers lists one "
      "per unit. The merchant and the products must be sent first.")  # fmt: skip
async def sync_orders(data: OrderBody) -> SyncResult:
    now = datetime.now(UTC)

    def check(record: OrderIn) -> Any:
        lines = [LineIn(line.line_no, line.sku, line.quantity, line.unit_price_fen,
                        list(line.serial_numbers)) for line in record.items]  # fmt: skip
        return check_order(order_no=record.order_no,
                           merchant_external_id=record.merchant_external_id,
                           completed_at=record.completed_at, paid_total_fen=record.paid_total_fen,
                           lines=lines, now=now, channel=record.channel,
                           delivered_at=record.delivered_at,
                           invoice_issued=record.invoice_issued,
                           invoice_no=record.invoice_no)  # fmt: skip

    return await _take(data.records, lambda r: r.order_no.strip(), "order_no", check,
                       upsert_orders)  # fmt: skip


@post("/sync/terminals", opt=SYNC, status_code=200, responses=_POSTED, request_max_body_size=BATCH_BYTES,
      summary="Update terminals' binding, activation and last payment (up to 1,000 a call)",
      description="Keyed by `serial_number`, as the terminal-management system reports it.")  # fmt: skip
async def sync_terminals(data: TerminalBody) -> SyncResult:
    now = datetime.now(UTC)

    def check(record: TerminalIn) -> Any:
        return check_terminal(serial_number=record.serial_number, now=now, mid=record.mid,
                              tid=record.tid, bound=record.bound, activated=record.activated,
                              last_transaction_at=record.last_transaction_at)  # fmt: skip

    return await _take(data.records, lambda r: r.serial_number.strip(), "serial_number", check,
                       upsert_terminals)  # fmt: skip


# --- reading back ----------------------------------------------------------------------------

Since = Annotated[datetime | None, QueryParameter(
    name="updated_since", description="Only what changed at or after this moment (RFC 3339).")]  # fmt: skip
Cursor = Annotated[str | None, QueryParameter(name="cursor", max_length=200)]
Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=PAGE_LIMIT)]


class MerchantOut(MerchantIn, kw_only=True):
    updated_at: datetime


class ProductOut(ProductIn, kw_only=True):
    updated_at: datetime


class OrderOut(OrderIn, kw_only=True):
    updated_at: datetime


class TerminalOut(TerminalIn, kw_only=True):
    updated_at: datetime


class MerchantPage(msgspec.Struct, kw_only=True):
    data: list[MerchantOut]
    next_cursor: str | None  # None: nothing more changed


class ProductPage(msgspec.Struct, kw_only=True):
    data: list[ProductOut]
    next_cursor: str | None


class OrderPage(msgspec.Struct, kw_only=True):
    data: list[OrderOut]
    next_cursor: str | None


class TerminalPage(msgspec.Struct, kw_only=True):
    data: list[TerminalOut]
    next_cursor: str | None


async def _changed(
    kind: str, since: datetime | None, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    if since is not None and since.tzinfo is None:
        raise field_errors({"updated_since": _("Give the moment with its offset, e.g. Z.")})
    after = decode_cursor(cursor) if cursor else None
    if cursor and after is None:
        raise field_errors({"cursor": _("This cursor is not one this API gave.")})
    rows = await changed_since(kind, since, after, limit)
    last = rows[-1] if len(rows) == limit else None
    return rows, encode_cursor(aware_at(last["updated_at"]), last["id"]) if last else None


_READ_DOCS = problem_docs(400, 422)


@get("/sync/merchants", opt=SYNC, responses=_READ_DOCS,
     summary="Merchants the provider's data changed, since a moment")  # fmt: skip
async def merchants_changed(updated_since: Since = None, cursor: Cursor = None,
                            limit: Limit = 100) -> MerchantPage:  # fmt: skip
    rows, next_cursor = await _changed("merchants", updated_since, cursor, limit)
    data = [MerchantOut(external_id=row["external_id"] or "", name=row["name"],
                        phones=[row["phone"], *filter(None, row["other_phones"].split(","))],
                        email=row["email"], address=row["address"], mid=row["mid"],
                        updated_at=aware_at(row["updated_at"])) for row in rows]  # fmt: skip
    return MerchantPage(data=data, next_cursor=next_cursor)


@get("/sync/products", opt=SYNC, responses=_READ_DOCS,
     summary="Products the provider's data changed, since a moment")  # fmt: skip
async def products_changed(updated_since: Since = None, cursor: Cursor = None,
                           limit: Limit = 100) -> ProductPage:  # fmt: skip
    rows, next_cursor = await _changed("products", updated_since, cursor, limit)
    data = [ProductOut(sku=row["sku"], name_zh=row["name_zh"], name_en=row["name_en"],
                       category=row["category_key"], serialised=row["has_serial"],
                       unit_price_fen=row["unit_price_fen"],
                       updated_at=aware_at(row["updated_at"])) for row in rows]  # fmt: skip
    return ProductPage(data=data, next_cursor=next_cursor)


@get("/sync/orders", opt=SYNC, responses=_READ_DOCS,
     summary="Orders the provider's data changed, since a moment, with their lines")  # fmt: skip
async def orders_changed(updated_since: Since = None, cursor: Cursor = None,
                         limit: Limit = 100) -> OrderPage:  # fmt: skip
    rows, next_cursor = await _changed("orders", updated_since, cursor, limit)
    return OrderPage(data=[_order_out(row) for row in rows], next_cursor=next_cursor)


def _order_out(row: dict[str, Any]) -> OrderOut:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for line in row["lines"]:
        grouped.setdefault(line["line_no"], []).append(line)
    items = [OrderLineIn(line_no=line_no, sku=units[0]["sku"],
                         quantity=sum(unit["quantity"] for unit in units),
                         unit_price_fen=units[0]["unit_price_fen"],
                         serial_numbers=[u["serial_number"] for u in units if u["serial_number"]])
             for line_no, units in grouped.items()]  # fmt: skip
    return OrderOut(order_no=row["order_no"], merchant_external_id=row["merchant_external_id"] or "",
                    channel=row["channel"], completed_at=aware_at(row["completed_at"]),
                    delivered_at=aware(row["delivered_at"]), paid_total_fen=row["paid_total_fen"],
                    invoice_issued=row["invoice_issued"], invoice_no=row["invoice_no"],
                    items=items, updated_at=aware_at(row["updated_at"]))  # fmt: skip


@get("/sync/terminals", opt=SYNC, responses=_READ_DOCS,
     summary="Terminals whose state changed, since a moment (unbinding on receipt among them)")  # fmt: skip
async def terminals_changed(updated_since: Since = None, cursor: Cursor = None,
                            limit: Limit = 100) -> TerminalPage:  # fmt: skip
    rows, next_cursor = await _changed("terminals", updated_since, cursor, limit)
    data = [TerminalOut(serial_number=row["serial_number"], mid=row["mid"], tid=row["tid"],
                        bound=row["bound"], activated=row["activated"],
                        last_transaction_at=aware(row["last_transaction_at"]),
                        updated_at=aware_at(row["updated_at"])) for row in rows]  # fmt: skip
    return TerminalPage(data=data, next_cursor=next_cursor)


ROUTES = [sync_merchants, sync_products, sync_orders, sync_terminals,
          merchants_changed, products_changed, orders_changed, terminals_changed]  # fmt: skip
