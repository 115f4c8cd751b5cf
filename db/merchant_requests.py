"""A merchant's return requests as their home page lists them: open ones first, then closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import sql
from db.engine import reading
from db.policies import current_policy, policy_version
from db.snapshots import aware_at, snapshot_from
from db.sql import fetch
from domain.lifecycle import ReturnSnapshot, State
from domain.terms import FINISHED_STATES


@dataclass(frozen=True)
class RequestSummary:
    """One row of the list: the request's snapshot (domain.labels.next_step reads it) and the
    words that name it."""

    id: int
    rma: str | None
    snapshot: ReturnSnapshot
    order_no: str
    item_names: tuple[str, ...]
    updated_at: datetime
    draft_step: int  # where the form resumes, for drafts

    @property
    def state(self) -> State:
        return self.snapshot.state

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES


async def requests_of(merchant_id: int, locale: str) -> list[RequestSummary]:
    """Two queries whatever the number of requests: the requests, then all their items."""
    async with reading():
        rows = await fetch(sql.REQUESTS_OF_MERCHANT, merchant_id, json_columns=("risk_findings",))
        items_by_request: dict[int, list[dict[str, Any]]] = {}
        for item in await fetch(sql.ITEMS_OF_MERCHANT, merchant_id):
            items_by_request.setdefault(item["request"], []).append(item)
        # versions are cached; drafts share today's policy, read once
        versions = {row["policy_version"] for row in rows if row["state"] != State.DRAFT.value}
        policies = {version: await policy_version(version) for version in versions}
        today = (await current_policy())[1]
    name = "order_item.product.name_zh" if locale == "zh_CN" else "order_item.product.name_en"
    summaries = []
    for row in rows:
        own = items_by_request.get(row["id"], [])
        draft = row["state"] == State.DRAFT.value
        policy = today if draft else policies[row["policy_version"]]
        summaries.append(
            RequestSummary(
                id=row["id"],
                rma=row["rma"],
                snapshot=snapshot_from(row, own, policy),
                order_no=row["order.order_no"],
                item_names=tuple(item[name] for item in own),
                updated_at=aware_at(row["updated_at"]),
                draft_step=row["draft_step"],
            )
        )
    return sorted(summaries, key=lambda summary: not summary.is_open)


async def requests_version(merchant_id: int) -> tuple[int, int, int, str]:
    """(how many, their versions summed, the newest id, the latest change): changes whenever
    the list would. The time tells apart lists whose ids came again (a database restored, or
    SQLite handing out a deleted row's id once more), so kept pages never show another's."""
    row = (await fetch(sql.REQUESTS_VERSION, merchant_id))[0]
    return (
        int(row["n"]),
        int(row["versions"] or 0),
        int(row["newest"] or 0),
        str(row["touched"] or ""),
    )
