"""Settling a side case: the outcome in its thread, and for a fee dispute who pays the return
shipping — the request's fee payer and, where computed, its refund amount change with it,
version-checked, in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.conversations import insert_message, side_case_record
from db.engine import atomic
from db.errors import Conflict
from db.snapshots import load_snapshot, moment
from db.sql import fetch
from db.tables import Notification, ReturnRequest, SideCase
from domain.guards import not_theirs
from domain.lifecycle import Actor, FeePayer, Refusal
from domain.side_cases import (
    SideCaseKind,
    SideCaseStatus,
    fee_decided,
    may_resolve_side_case,
)


async def resolve_side_case(
    request_id: int,
    case_id: int,
    actor: Actor,
    actor_name: str,
    outcome: str,
    now: datetime,
    *,
    fee_payer: FeePayer | None = None,
) -> Refusal | None:
    """Settle the case; a refusal says why not. A request changed meanwhile raises Conflict."""
    async with atomic():
        snapshot = await load_snapshot(request_id)
        record = await side_case_record(request_id, case_id)
        refusal = not_theirs(snapshot, actor) or may_resolve_side_case(
            record, actor, outcome, fee_payer
        )
        if refusal is not None:
            return refusal
        settled = await _settle(case_id, actor, outcome, now)
        if not settled:
            raise Conflict(request_id)  # someone settled it a moment ago
        await insert_message(
            request_id,
            case_id,
            actor,
            actor_name,
            outcome,
            now,
            partner_client=snapshot.partner_client,
        )
        if record.kind is SideCaseKind.FEE_DISPUTE and fee_payer is not None:
            await _fee_payer_decided(request_id, snapshot, fee_payer, now)
        await Notification.insert(
            Notification(
                merchant=snapshot.merchant_id,
                request=request_id,
                kind="side_case_resolved",
                params={"rma": await _rma(request_id)},
                created_at=now,
            )
        )
        return None


async def _settle(case_id: int, actor: Actor, outcome: str, now: datetime) -> bool:
    """Mark the case resolved if it is still open (the database decides a race)."""
    settled = await (
        SideCase.update(
            {
                SideCase.status: SideCaseStatus.RESOLVED.value,
                SideCase.outcome: outcome.strip(),
                SideCase.resolved_by: actor.id,
                SideCase.resolved_at: now,
            }
        )
        .where((SideCase.id == case_id) & (SideCase.status == SideCaseStatus.OPEN.value))
        .returning(SideCase.id)
    )
    return bool(settled)


async def _rma(request_id: int) -> str:
    row = (
        await ReturnRequest.select(ReturnRequest.rma).where(ReturnRequest.id == request_id).first()
    )
    return str(row["rma"] or "") if row else ""


async def _fee_payer_decided(
    request_id: int, snapshot: Any, fee_payer: FeePayer, now: datetime
) -> None:
    values: dict[Any, Any] = {
        ReturnRequest.fee_payer: fee_payer.value,
        ReturnRequest.version: snapshot.version + 1,
        ReturnRequest.updated_at: now,
    }
    amount = fee_decided(snapshot, fee_payer)
    if amount is not None:
        values[ReturnRequest.refund_amount_fen] = amount.fen
    updated = await (
        ReturnRequest.update(values)
        .where((ReturnRequest.id == request_id) & (ReturnRequest.version == snapshot.version))
        .returning(ReturnRequest.id)
    )
    if not updated:
        raise Conflict(request_id)


_OPEN_CASES = (
    "SELECT s.id, s.kind, s.created_at, s.body, r.rma, m.name AS merchant_name FROM side_case s"
    " JOIN return_request r ON r.id = s.request JOIN merchant m ON m.id = r.merchant"
    " WHERE s.status = 'open' AND s.kind IN ({kinds}){outlet} ORDER BY s.created_at, s.id LIMIT 200"
)


async def open_side_cases(
    kinds: tuple[SideCaseKind, ...], outlet_id: int | None
) -> list[dict[str, Any]]:
    """Open cases of these kinds, oldest first (counter staff: their outlet's only)."""
    if not kinds:
        return []
    sql = _OPEN_CASES.replace("{kinds}", ", ".join("{}" for _ in kinds))
    sql = sql.replace("{outlet}", " AND r.outlet = {}" if outlet_id is not None else "")
    args: list[Any] = [kind.value for kind in kinds]
    if outlet_id is not None:
        args.append(outlet_id)
    rows = await fetch(sql, *args)
    for row in rows:
        row["created_at"] = moment(row["created_at"])
    return rows
