"""What the dashboard reads for a period, aggregated by the database: counts by status,
channel, reason and product, review deadlines missed, the decisions taken, and the durations
from submit to decision and to refund (only of requests that got one) — a handful of queries
whose cost does not grow with what they count."""

from __future__ import annotations

# The statements below are built from fixed fragments of this module only; every value
# travels as a parameter.
# ruff: noqa: S608
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.snapshots import moment
from db.sql import fetch
from domain.stats import ranked
from domain.terms import Action

_IN_PERIOD = " WHERE r.submitted_at >= {} AND r.submitted_at < {}"
_FIRST_DECISION = (
    "SELECT request, MIN(at) AS decided_at FROM return_event"
    " WHERE action IN ('approve', 'reject') GROUP BY request"
)
# one pass over the period's requests: how many of each status, channel and reason, and how
# many missed their review deadline (decided after it, or undecided past it)
# (`r.state || ''`: grouped by the queue index's first column, SQLite would walk that index
# and fetch every row by it, 2.5 times slower than reading the table once)
_GROUPS = (
    "SELECT r.state || '' AS state, r.channel, r.reason, COUNT(*) AS n,"
    " SUM(CASE WHEN r.review_due_at IS NOT NULL"
    " AND ((d.decided_at IS NULL AND r.review_due_at < {}) OR d.decided_at > r.review_due_at)"
    f" THEN 1 ELSE 0 END) AS missed FROM return_request r LEFT JOIN ({_FIRST_DECISION}) d"
    " ON d.request = r.id" + _IN_PERIOD + " GROUP BY r.state || '', r.channel, r.reason"
)
_BY_PRODUCT = (
    "SELECT p.{name} AS k, COUNT(*) AS n FROM return_item i"
    " JOIN order_item oi ON oi.id = i.order_item JOIN product p ON p.id = oi.product"
    " JOIN return_request r ON r.id = i.request" + _IN_PERIOD + " GROUP BY p.{name}"
)
_TO_DECISION = (
    f"SELECT r.submitted_at AS started, d.decided_at AS ended FROM return_request r"
    f" JOIN ({_FIRST_DECISION}) d ON d.request = r.id" + _IN_PERIOD
)
_TO_REFUND = (
    "SELECT r.submitted_at AS started, r.refunded_at AS ended FROM return_request r"
    + _IN_PERIOD
    + " AND r.refunded_at IS NOT NULL"
)
_DECISIONS = (
    "SELECT e.action AS k, COUNT(*) AS n FROM return_event e JOIN return_request r ON r.id = e.request"
    + _IN_PERIOD
    + " AND e.action IN ('approve', 'reject', 'uphold', 'overturn') GROUP BY e.action"
)


@dataclass(frozen=True)
class PeriodFigures:
    submitted: int
    by_state: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_reason: list[tuple[str, int]]
    by_product: list[tuple[str, int]]
    review_missed: int
    to_decision: list[timedelta]
    to_refund: list[timedelta]
    decisions: dict[Action, int]  # how many of each were taken


def _took(row: dict[str, Any]) -> timedelta:
    ended, started = moment(row["ended"]), moment(row["started"])
    assert ended is not None and started is not None  # both are in the query's conditions
    return ended - started


async def _pairs(sql: str, *args: Any) -> list[tuple[str, int]]:
    return ranked({str(r["k"] or ""): int(r["n"]) for r in await fetch(sql, *args)})


async def period_figures(
    since: datetime, until: datetime, now: datetime, *, chinese: bool
) -> PeriodFigures:
    """The figures of requests submitted in [since, until)."""
    states: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    missed = 0
    for row in await fetch(_GROUPS, now, since, until):
        n = int(row["n"])
        states[str(row["state"])] += n
        channels[str(row["channel"])] += n
        reasons[str(row["reason"] or "")] += n
        missed += int(row["missed"] or 0)
    durations = [
        [_took(row) for row in await fetch(sql, since, until)] for sql in (_TO_DECISION, _TO_REFUND)
    ]
    products = _BY_PRODUCT.replace("{name}", "name_zh" if chinese else "name_en")
    return PeriodFigures(
        submitted=sum(states.values()),
        by_state=ranked(states),
        by_channel=ranked(channels),
        by_reason=ranked(reasons),
        by_product=(await _pairs(products, since, until))[:10],
        review_missed=missed,
        to_decision=durations[0],
        to_refund=durations[1],
        decisions={Action(k): n for k, n in await _pairs(_DECISIONS, since, until)},
    )
