"""A merchant's return requests as their home page lists them: open ones first, then closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.returns import load_snapshot
from db.tables import ReturnItem, ReturnRequest
from domain.lifecycle import ReturnSnapshot, State

# Nothing more can happen to these; they are listed after the open ones.
FINISHED_STATES = frozenset(
    {State.CLOSED, State.CANCELLED, State.EXPIRED, State.REJECTED_FINAL, State.REFUNDED}
)


@dataclass(frozen=True)
class RequestSummary:
    id: int
    rma: str | None
    state: State
    order_no: str
    item_names: tuple[str, ...]
    updated_at: datetime
    draft_step: int  # where the form resumes, for drafts
    snapshot: ReturnSnapshot | None  # loaded for open requests, whose next step is shown

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES


async def requests_of(merchant_id: int, locale: str) -> list[RequestSummary]:
    rows = await (
        ReturnRequest.select(
            ReturnRequest.id,
            ReturnRequest.rma,
            ReturnRequest.state,
            ReturnRequest.updated_at,
            ReturnRequest.draft_step,
            ReturnRequest.order.order_no,
        )
        .where(ReturnRequest.merchant == merchant_id)
        .order_by(ReturnRequest.updated_at, ascending=False)
    )
    names = await _item_names([row["id"] for row in rows], locale)
    summaries = []
    for row in rows:
        state = State(row["state"])
        summaries.append(
            RequestSummary(
                id=row["id"],
                rma=row["rma"],
                state=state,
                order_no=row["order.order_no"],
                item_names=tuple(names.get(row["id"], [])),
                updated_at=row["updated_at"],
                draft_step=row["draft_step"],
                snapshot=await load_snapshot(row["id"]) if state not in FINISHED_STATES else None,
            )
        )
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
