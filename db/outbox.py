"""The outbox: work a committed change implies, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.tables import GatewayMessage, OutboxRow


async def add_to_outbox(*, key: str, job: str, payload: dict[str, Any], due_at: datetime) -> None:
    """Queue work by its business key; the same key twice is the same work, kept once."""
    await OutboxRow.insert(OutboxRow(key=key, job=job, payload=payload, due_at=due_at)).on_conflict(
        target=OutboxRow.key, action="DO NOTHING"
    )


async def due_rows(jobs: set[str], now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Rows not yet handed to the queue whose job a worker knows (others wait for theirs)."""
    return await (
        OutboxRow.select(OutboxRow.id, OutboxRow.key, OutboxRow.job, OutboxRow.payload)
        .where(
            OutboxRow.handed_over_at.is_null()
            & (OutboxRow.due_at <= now)
            & OutboxRow.job.is_in(list(jobs))
        )
        .order_by(OutboxRow.id)
        .limit(limit)
        .output(load_json=True)
    )


async def payload_of(key: str) -> dict[str, Any] | None:
    row = await (
        OutboxRow.select(OutboxRow.payload)
        .where(OutboxRow.key == key)
        .output(load_json=True)
        .first()
    )
    return dict(row["payload"]) if row else None


async def mark_handed_over(row_id: int, now: datetime) -> None:
    await OutboxRow.update({OutboxRow.handed_over_at: now}).where(OutboxRow.id == row_id)


async def dev_outbox_messages(limit: int = 50) -> list[dict[str, Any]]:
    """What the development gateway kept instead of sending, newest first (for /dev/outbox)."""
    return await (
        GatewayMessage.select()
        .where(GatewayMessage.gateway == "dev_outbox")
        .order_by(GatewayMessage.id, ascending=False)
        .limit(limit)
    )
