"""What the dashboard reads: the facts about requests submitted in a period, and the decisions
taken on them — a handful of queries, however many requests there are."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.snapshots import aware
from db.sql import fetch
from domain.stats import RequestFacts
from domain.terms import Action

_REQUESTS = (
    "SELECT r.id, r.submitted_at, r.state, r.channel, r.reason, r.review_due_at, r.refunded_at"
    " FROM return_request r WHERE r.submitted_at >= {} AND r.submitted_at < {}"
)
_FIRST_DECISIONS = (
    "SELECT e.request, MIN(e.at) AS decided_at FROM return_event e"
    " JOIN return_request r ON r.id = e.request"
    " WHERE r.submitted_at >= {} AND r.submitted_at < {} AND e.action IN ('approve', 'reject')"
    " GROUP BY e.request"
)
_DECISIONS = (
    "SELECT e.action FROM return_event e JOIN return_request r ON r.id = e.request"
    " WHERE r.submitted_at >= {} AND r.submitted_at < {}"
    " AND e.action IN ('approve', 'reject', 'uphold', 'overturn')"
)
_PRODUCTS = (
    "SELECT i.request, p.name_zh, p.name_en FROM return_item i"
    " JOIN order_item oi ON oi.id = i.order_item JOIN product p ON p.id = oi.product"
    " JOIN return_request r ON r.id = i.request WHERE r.submitted_at >= {} AND r.submitted_at < {}"
)


def _when(value: Any) -> datetime | None:
    if value is None:
        return None
    return aware(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


async def period_facts(
    since: datetime, until: datetime, *, chinese: bool
) -> tuple[list[RequestFacts], list[Action]]:
    """The requests submitted in [since, until) and every decision taken on them."""
    decided = {
        row["request"]: _when(row["decided_at"])
        for row in await fetch(_FIRST_DECISIONS, since, until)
    }
    products: dict[int, list[str]] = {}
    for row in await fetch(_PRODUCTS, since, until):
        products.setdefault(row["request"], []).append(
            row["name_zh"] if chinese else row["name_en"]
        )
    facts = [
        RequestFacts(
            submitted_at=_when(row["submitted_at"]) or since,
            state=str(row["state"]),
            channel=str(row["channel"]),
            reason=str(row["reason"] or ""),
            review_due_at=_when(row["review_due_at"]),
            decided_at=decided.get(row["id"]),
            refunded_at=_when(row["refunded_at"]),
            products=tuple(products.get(row["id"], ())),
        )
        for row in await fetch(_REQUESTS, since, until)
    ]
    actions = [Action(row["action"]) for row in await fetch(_DECISIONS, since, until)]
    return facts, actions
