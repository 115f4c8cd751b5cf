"""The staff queues: requests in the states a role works on, the most urgent first, paged by
keyset so that a deep page costs what the first does.

Order: by the deadline of the queue each request waits in (`due_at`, set by the store), then by
id; requests without a deadline come last. A page is named by the last row of the one before
(`after`), never by an offset. Search looks at the RMA, the order number, the serial numbers
and the merchant's phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from db.snapshots import moment
from db.sql import fetch
from domain.rma import normalise_rma
from domain.serials import normalise_serial
from domain.terms import Reason, State

# a cursor is "<deadline in microseconds since 1970>_<id>": safe in a URL as it is
_NO_DEADLINE = "none"  # how a cursor names a row without a deadline
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ROW = (
    "SELECT r.id, r.rma, r.state, r.reason, r.due_at, r.risk_score, r.channel,"
    " r.submitted_at, r.resolution, m.name AS merchant_name, o.order_no"
    " FROM return_request r JOIN merchant m ON m.id = r.merchant"
    ' JOIN merchant_order o ON o.id = r."order"'
)
_WITH_PRODUCT = (
    "r.id IN (SELECT ri.request FROM return_item ri"
    " JOIN order_item oi ON oi.id = ri.order_item WHERE oi.product = {})"
)
_SEARCHES = (
    "SELECT id FROM return_request WHERE rma = {}",
    'SELECT r.id FROM return_request r JOIN merchant_order o ON o.id = r."order" WHERE o.order_no = {}',
    "SELECT r.id FROM return_request r JOIN merchant m ON m.id = r.merchant WHERE m.phone = {}",
    "SELECT request AS id FROM return_item WHERE serial_number = {}",
)


@dataclass(frozen=True)
class QueueRow:
    id: int
    rma: str
    state: State
    reason: Reason | None
    due_at: datetime | None
    risk_score: int
    channel: str
    submitted_at: datetime | None
    merchant_name: str
    order_no: str

    @property
    def cursor(self) -> str:
        """What names the page after this row."""
        if self.due_at is None:
            return f"{_NO_DEADLINE}_{self.id}"
        return f"{(self.due_at - _EPOCH) // timedelta(microseconds=1)}_{self.id}"


@dataclass(frozen=True)
class QueueFilter:
    states: tuple[State, ...]
    outlet_id: int | None = None  # counter staff: their outlet's requests only
    # the requests a search matched (matching_requests()); None: nothing was searched for
    matching: tuple[int, ...] | None = None
    reason: Reason | None = None
    high_risk_from: int | None = None  # only requests scoring at least this
    channel: str | None = None  # domain.labels.CHANNEL_LABELS key
    from_outlet: int | None = None  # registered at this outlet (a filter, not an access rule)
    product_id: int | None = None  # with at least one item of this product
    submitted_from: datetime | None = None  # submitted in [from, until)
    submitted_until: datetime | None = None


def _where(
    wanted: QueueFilter, states: tuple[State, ...], found: tuple[int, ...] | None
) -> tuple[str, list[Any]]:
    """The filter as SQL over `states`; `found` the ids a search matched (None: no search)."""
    marks = ", ".join("{}" for _ in states)
    sql = f" WHERE r.state IN ({marks})"
    args: list[Any] = [state.value for state in states]
    if wanted.outlet_id is not None:
        sql += " AND r.outlet = {}"
        args.append(wanted.outlet_id)
    if wanted.reason is not None:
        sql += " AND r.reason = {}"
        args.append(wanted.reason.value)
    if wanted.high_risk_from is not None:
        sql += " AND r.risk_score >= {}"
        args.append(wanted.high_risk_from)
    for column, value in (
        ("r.channel = {}", wanted.channel),
        ("r.outlet = {}", wanted.from_outlet),
        ("r.submitted_at >= {}", wanted.submitted_from),
        ("r.submitted_at < {}", wanted.submitted_until),
        (_WITH_PRODUCT, wanted.product_id),
    ):
        if value is not None:
            sql += " AND " + column
            args.append(value)
    if found is not None:
        sql += f" AND r.id IN ({', '.join('{}' for _ in found) or 'NULL'})"
        args += list(found)
    return sql, args


async def matching_requests(typed: str) -> tuple[int, ...] | None:
    """The requests a search box names, each term looked up by its own index (RMA, order
    number, phone, SN), so a search never scans the whole table; None when nothing was typed."""
    terms = search_terms(typed)
    if not any(terms):
        return None
    found: set[int] = set()
    for sql, value in zip(_SEARCHES, terms, strict=True):
        if value:
            found.update(int(row["id"]) for row in await fetch(sql, value))
    return tuple(sorted(found)[:500])


Cursor = tuple[datetime | None, int]


def parse_cursor(raw: str) -> Cursor | None:
    """The (deadline, id) a cursor names, or None for anything that is not one."""
    due, _sep, row_id = raw[:80].rpartition("_")
    if not due or not row_id.isascii() or not row_id.isdigit() or len(row_id) > 18:
        return None
    if due == _NO_DEADLINE:
        return None, int(row_id)
    if not due.isascii() or not due.isdigit() or len(due) > 18:
        return None
    return _EPOCH + timedelta(microseconds=int(due)), int(row_id)


async def queue_page(
    wanted: QueueFilter, *, after: Cursor | None = None, limit: int = 25
) -> list[QueueRow]:
    """Up to `limit` requests, most urgent first, after the row `after` names.

    One query per state, each an ordered walk of the (state, due_at, id) index that stops after
    `limit` rows, merged here by (deadline, id): however long the queue, a page reads a page."""
    if not wanted.states:
        return []
    found = wanted.matching
    if found == ():
        return []
    rows: list[QueueRow] = []
    for state in wanted.states:
        rows += await _state_page(wanted, state, found, after, limit)
    rows.sort(key=lambda row: (row.due_at is None, row.due_at or _EPOCH, row.id))
    return rows[:limit]


async def _state_page(wanted: QueueFilter, state: State, found: tuple[int, ...] | None,
                      after: Cursor | None, limit: int) -> list[QueueRow]:  # fmt: skip
    where, args = _where(wanted, (state,), found)
    dated: list[QueueRow] = []
    if after is None or after[0] is not None:  # the rows with a deadline, from the cursor on
        extra, extra_args = "", []
        if after is not None:
            extra, extra_args = (
                " AND (r.due_at > {} OR (r.due_at = {} AND r.id > {}))",
                [after[0], after[0], after[1]],
            )
        sql = f"{_ROW}{where} AND r.due_at IS NOT NULL{extra} ORDER BY r.due_at, r.id LIMIT {int(limit)}"
        dated = [_row(row) for row in await fetch(sql, *args, *extra_args)]
    if len(dated) >= limit:
        return dated
    # then those without one, by id
    past = after[1] if after is not None and after[0] is None else 0
    sql = f"{_ROW}{where} AND r.due_at IS NULL AND r.id > {{}} ORDER BY r.id LIMIT {int(limit)}"
    return dated + [_row(row) for row in await fetch(sql, *args, past)]


async def queue_counts(wanted: QueueFilter) -> dict[State, int]:
    """How many requests wait in each of the filter's states (the filter's other terms apply)."""
    if not wanted.states:
        return {}
    where, args = _where(wanted, wanted.states, wanted.matching)
    # fixed fragments only (see _where): every value travels as a parameter
    sql = f"SELECT r.state, COUNT(*) AS n FROM return_request r{where} GROUP BY r.state"  # noqa: S608
    counted = {State(row["state"]): int(row["n"]) for row in await fetch(sql, *args)}
    return {state: counted.get(state, 0) for state in wanted.states}


def _row(row: dict[str, Any]) -> QueueRow:
    return QueueRow(
        id=int(row["id"]),
        rma=str(row["rma"] or ""),
        state=State(row["state"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        due_at=moment(row["due_at"]),
        risk_score=int(row["risk_score"] or 0),
        channel=str(row["channel"]),
        submitted_at=moment(row["submitted_at"]),
        merchant_name=str(row["merchant_name"]),
        order_no=str(row["order_no"]),
    )


def search_terms(typed: str) -> tuple[str, str, str, str]:
    """What one search box is compared with: (RMA, order number, phone, serial number), each
    in the form it is stored in; empty when nothing was typed."""
    text = typed.strip()[:60]
    if not text:
        return ("", "", "", "")
    return (normalise_rma(text) or text.upper(), text, "".join(c for c in text if c.isdigit()),
            normalise_serial(text))  # fmt: skip
