"""Plain SQL for the reads every page makes, written once at import.

Piccolo builds a query's SQL anew each time it runs — for a joined select of sixty columns that
cost more than the database answering it. These few hot reads are therefore fixed strings
(column lists taken from the tables, so they follow the schema), run through Piccolo's engine
with `{}` placeholders, and return rows shaped as Piccolo's selects return them."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from db.engine import PooledSQLiteEngine, engine
from db.tables import Event, Message, ReturnRequest, SideCase


async def read_rows(pg_sql: str, sqlite_sql: str, args: tuple[Any, ...]) -> list[Any] | None:
    """A SELECT run straight on the driver where that is possible: the pooled SQLite engine's
    read connection, a PostgreSQL transaction's connection, or one from the pool. None where
    it is not (in an SQLite write transaction, without a pool): use Piccolo's engine then."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine) and db.current_transaction.get() is None:
        return db.read_now(sqlite_sql, args)
    return await _postgres_rows(db, pg_sql, args)


async def write_rows(pg_sql: str, sqlite_sql: str, args: tuple[Any, ...]) -> list[Any] | None:
    """A lone INSERT, UPDATE or DELETE run straight on the driver where that is possible, as
    read_rows runs a SELECT (for the writes every job makes: Piccolo's query machinery cost
    more than the write). None where it is not: use Piccolo's engine then."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine) and db.current_transaction.get() is None:
        rows: list[Any] = await db.lone_write(sqlite_sql, list(args))
        return rows
    return await _postgres_rows(db, pg_sql, args)


async def _postgres_rows(db: Any, sql: str, args: tuple[Any, ...]) -> list[Any] | None:
    """On the PostgreSQL transaction's connection, or one from the pool; None elsewhere."""
    if not isinstance(db, PostgresEngine):
        return None
    transaction = db.current_transaction.get()
    if transaction is not None:
        return [dict(row) for row in await transaction.connection.fetch(sql, *args)]
    if db.pool is not None:
        async with db.pool.acquire() as connection:
            return [dict(row) for row in await connection.fetch(sql, *args)]
    return None


# the statements here hold no braces but their placeholders
@cache
def _for_sqlite(sql: str) -> str:
    return sql.replace("{}", "?")


@cache
def _for_postgres(sql: str) -> str:
    parts = sql.split("{}")
    return "".join(f"{part}${n}" for n, part in enumerate(parts[:-1], 1)) + parts[-1]


def columns(table: type[Table], alias: str, *, exclude: tuple[str, ...] = ()) -> str:
    """Every column of the table, quoted ("order" is a keyword), named as Piccolo names them."""
    return ", ".join(
        f'{alias}."{column._meta.db_column_name}"'
        for column in table._meta.columns
        if column._meta.name not in exclude
    )


async def fetch(sql: str, *args: Any, json_columns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows of one of these reads, straight from the driver where that is possible (Piccolo's
    query machinery cost more than the read), else through Piccolo's engine."""
    rows = await read_rows(_for_postgres(sql), _for_sqlite(sql), args)
    if rows is None:
        rows = await ReturnRequest.raw(sql, *args)
    for row in rows:
        for name in json_columns:
            if isinstance(row.get(name), str):
                row[name] = json.loads(row[name])
    return rows


async def execute(sql: str, *args: Any) -> list[dict[str, Any]]:
    """One of the fixed writes (INSERT, UPDATE, DELETE), run as fetch runs the fixed reads."""
    rows = await write_rows(_for_postgres(sql), _for_sqlite(sql), args)
    if rows is None:
        rows = await ReturnRequest.raw(sql, *args)
    return rows


async def fetch_for(
    sql_by_engine: dict[str, str], *args: Any, json_columns: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """As fetch, for a read written once per database ({"postgres": …, "sqlite": …})."""
    return await fetch(sql_by_engine[engine().engine_type], *args, json_columns=json_columns)


# the request with its order's facts (what db.snapshots.snapshot_from reads)
REQUEST = (
    "SELECT "
    + columns(ReturnRequest, "r", exclude=("refund_account_enc",))
    + ', o.order_no AS "order.order_no",'
    ' COALESCE(r.kept_completed_at, o.completed_at) AS "order.completed_at",'
    ' o.delivered_at AS "order.delivered_at",'
    ' COALESCE(r.kept_paid_total_fen, o.paid_total_fen) AS "order.paid_total_fen",'
    ' o.invoice_issued AS "order.invoice_issued",'
    ' o.completed_at AS "order.now_completed_at", o.paid_total_fen AS "order.now_paid_total_fen"'
    ' FROM return_request r JOIN merchant_order o ON o.id = r."order"'
)
REQUEST_BY_ID = REQUEST + " WHERE r.id = {}"
REQUESTS_OF_MERCHANT = REQUEST + " WHERE r.merchant = {} ORDER BY r.updated_at DESC, r.id DESC"

# the unit's terminal as the terminal-management system last reported it
TERMINAL_FACTS = ("mid", "tid", "bound", "activated", "last_transaction_at")
# a request's items: the price it was submitted with (the order's, before), and its terminal
ITEMS = (
    "SELECT i.id, i.request, i.quantity, i.serial_number, i.kept_terminal, i.kept_unit_price_fen,"
    ' oi.id AS "order_item.id",'
    ' COALESCE(i.kept_unit_price_fen, oi.unit_price_fen) AS "order_item.unit_price_fen",'
    ' oi.unit_price_fen AS "order_item.now_unit_price_fen",'
    + ", ".join(f't.{name} AS "terminal.{name}"' for name in TERMINAL_FACTS)
    + ","
    ' c.key AS "order_item.product.category.key",'
    ' p.name_zh AS "order_item.product.name_zh", p.name_en AS "order_item.product.name_en"'
    " FROM return_item i JOIN order_item oi ON oi.id = i.order_item"
    " JOIN product p ON p.id = oi.product JOIN product_category c ON c.id = p.category"
    " LEFT JOIN terminal t ON t.serial_number = i.serial_number"
)
ITEMS_OF_REQUEST = ITEMS + " WHERE i.request = {} ORDER BY i.id"
ITEMS_OF_MERCHANT = (
    ITEMS + " WHERE i.request IN (SELECT id FROM return_request WHERE merchant = {}) ORDER BY i.id"
)

# each file with what decides who reads it (domain.file_access): its event, message, and the
# message's case and internal flag
FILES_OF_REQUEST = (
    "SELECT f.id, f.event, f.message, f.kind, f.original_name, f.thumb_name,"
    " m.side_case AS side_case, m.internal AS internal"
    " FROM evidence_file f LEFT JOIN message m ON m.id = f.message"
    " WHERE f.request = {} ORDER BY f.id"
)
EVENTS_OF_REQUEST = (
    f"SELECT {columns(Event, 'e')} FROM return_event e WHERE e.request = {{}}"
    " ORDER BY e.at DESC, e.id DESC"
)
# internal notes are read only when asked for: pass (False, False) for a merchant's page,
# (False, True) for staff
MESSAGES_OF_REQUEST = (
    f"SELECT {columns(Message, 'm')} FROM message m WHERE m.request = {{}}"
    " AND (m.internal = {} OR m.internal = {}) ORDER BY m.id"
)
SIDE_CASES_OF_REQUEST = (
    f"SELECT {columns(SideCase, 's')} FROM side_case s WHERE s.request = {{}} ORDER BY s.id DESC"
)

# whose request this RMA is, how far it has moved, and its newest message a merchant can see
FINGERPRINT = (
    "SELECT r.id, r.version, (SELECT MAX(m.id) FROM message m"
    " WHERE m.request = r.id AND m.internal = {}) AS last_message,"
    " (SELECT MAX(d.id) FROM document d WHERE d.request_id = r.id) AS last_document"
    " FROM return_request r WHERE r.rma = {} AND r.merchant = {}"
)
# the page's: the same, and how many of the merchant's notifications about it are unread (the
# page marks them read, and only then writes)
PAGE_FINGERPRINT = FINGERPRINT.replace(
    " FROM return_request r",
    ", (SELECT COUNT(*) FROM notification n WHERE n.merchant = r.merchant"
    " AND n.request = r.id AND n.read_at IS NULL) AS unread_here FROM return_request r",
)

MERCHANT_WITH_UNREAD = (
    "SELECT m.id, m.name, m.phone, m.locale, (SELECT COUNT(*) FROM notification n"
    " WHERE n.merchant = m.id AND n.read_at IS NULL) AS unread FROM merchant m WHERE m.id = {}"
)

# what the merchant's home lists, as one version: any change to any of their requests moves it
REQUESTS_VERSION = (
    "SELECT COUNT(*) AS n, SUM(version) AS versions, MAX(id) AS newest,"
    " MAX(updated_at) AS touched"
    " FROM return_request WHERE merchant = {}"
)
