"""A merchant's return requests as their home page lists them: open ones first, then closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.tables import ReturnItem, ReturnRequest
from domain.lifecycle import AppealOf, State
from domain.terms import FINISHED_STATES


@dataclass(frozen=True)
class RequestSummary:
    """One row of the list; it carries what domain.labels.next_step reads (StepFacts)."""

    id: int
    rma: str | None
    state: State
    order_no: str
    item_names: tuple[str, ...]
    updated_at: datetime
    draft_step: int  # where the form resumes, for drafts
    review_due_at: datetime | None
    ship_by: datetime | None
    appeal_deadline: datetime | None
    refund_due_by: datetime | None
    inspection_failed_final: bool
    appealed: frozenset[AppealOf]

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything ReturnDesk stores is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def requests_of(merchant_id: int, locale: str) -> list[RequestSummary]:
    """Two queries whatever the number of requests: the requests, then their items' names."""
    rows = await (
        ReturnRequest.select(
            ReturnRequest.id,
            ReturnRequest.rma,
            ReturnRequest.state,
            ReturnRequest.updated_at,
            ReturnRequest.draft_step,
            ReturnRequest.review_due_at,
            ReturnRequest.ship_by,
            ReturnRequest.appeal_deadline,
            ReturnRequest.refund_due_by,
            ReturnRequest.inspection_failed_final,
            ReturnRequest.appealed,
            ReturnRequest.order.order_no,
        )
        .where(ReturnRequest.merchant == merchant_id)
        .order_by(ReturnRequest.updated_at, ascending=False)
    )
    names = await _item_names([row["id"] for row in rows], locale)
    summaries = [
        RequestSummary(
            id=row["id"],
            rma=row["rma"],
            state=State(row["state"]),
            order_no=row["order.order_no"],
            item_names=tuple(names.get(row["id"], [])),
            updated_at=row["updated_at"],
            draft_step=row["draft_step"],
            review_due_at=_utc(row["review_due_at"]),
            ship_by=_utc(row["ship_by"]),
            appeal_deadline=_utc(row["appeal_deadline"]),
            refund_due_by=_utc(row["refund_due_by"]),
            inspection_failed_final=row["inspection_failed_final"],
            appealed=frozenset(AppealOf(kind) for kind in row["appealed"].split(",") if kind),
        )
        for row in rows
    ]
    return sorted(summaries, key=lambda summary: not summary.is_open)


async def _item_names(request_ids: list[int], locale: str) -> dict[int, list[str]]:
    if not request_ids:
        return {}
    column = "name_zh" if locale == "zh_CN" else "name_en"
    rows: list[dict[str, Any]] = await ReturnItem.select(
        ReturnItem.request,
        getattr(ReturnItem.order_item.product, column),
    ).where(ReturnItem.request.is_in(request_ids))
    names: dict[int, list[str]] = {}
    for row in rows:
        names.setdefault(row["request"], []).append(row[f"order_item.product.{column}"])
    return names
