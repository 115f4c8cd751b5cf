"""The audit log and the export: what staff did to requests (read from the events every action
writes in its transaction), and the requests of a period, read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.snapshots import aware_at, moment
from db.sql import fetch
from db.tables import StaffAuditEntry
from domain.terms import Action, Role, State

STAFF_AND_SYSTEM = tuple(role.value for role in Role if role not in (Role.MERCHANT, Role.PARTNER))

_AUDIT = (
    "SELECT e.id, e.at, e.action, e.from_state, e.to_state, e.actor_role, e.actor_id,"
    " e.actor_name, e.reason_code, e.message, r.rma"
    " FROM return_event e JOIN return_request r ON r.id = e.request"
)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    rma: str
    action: Action
    from_state: State
    to_state: State | None
    actor_role: Role
    actor_name: str
    reason_code: str
    message: str


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # part of a display name
    action: Action | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


async def audit_page(
    wanted: AuditFilter, *, before: int | None = None, limit: int = 50
) -> list[AuditRow]:
    """Staff and scheduled actions, newest first, older than the event `before`."""
    roles = ", ".join("{}" for _ in STAFF_AND_SYSTEM)
    sql = f"{_AUDIT} WHERE e.actor_role IN ({roles})"
    args: list[Any] = list(STAFF_AND_SYSTEM)
    if wanted.actor:
        sql += " AND e.actor_name LIKE {}"
        args.append("%" + wanted.actor.replace("%", "").replace("_", "") + "%")
    if wanted.action is not None:
        sql += " AND e.action = {}"
        args.append(wanted.action.value)
    if wanted.since is not None:
        sql += " AND e.at >= {}"
        args.append(wanted.since)
    if wanted.until is not None:
        sql += " AND e.at < {}"
        args.append(wanted.until)
    if before is not None:
        sql += " AND e.id < {}"
        args.append(before)
    sql += f" ORDER BY e.id DESC LIMIT {int(limit)}"
    return [
        AuditRow(
            id=int(row["id"]),
            at=aware_at(row["at"]),
            rma=str(row["rma"] or ""),
            action=Action(row["action"]),
            from_state=State(row["from_state"]),
            to_state=State(row["to_state"]) if row["to_state"] else None,
            actor_role=Role(row["actor_role"]),
            actor_name=str(row["actor_name"]),
            reason_code=str(row["reason_code"]),
            message=str(row["message"]),
        )
        for row in await fetch(sql, *args)
    ]


_EXPORT = (
    "SELECT r.id, r.rma, r.state, r.channel, r.reason, r.resolution, r.submitted_at,"
    " r.refund_amount_fen, r.refunded_at, r.risk_score, r.fee_payer, m.name AS merchant_name,"
    " o.order_no FROM return_request r JOIN merchant m ON m.id = r.merchant"
    ' JOIN merchant_order o ON o.id = r."order"'
    " WHERE r.submitted_at >= {} AND r.submitted_at < {} ORDER BY r.submitted_at, r.id"
    " LIMIT {}"
)
EXPORT_MOST = 100_000  # rows one export holds: a bounded cost, a file Excel still opens


async def requests_submitted_between(since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Requests submitted in [since, until), oldest first, as the export lists them."""
    rows = await fetch(_EXPORT, since, until, EXPORT_MOST)
    for row in rows:
        for column in ("submitted_at", "refunded_at"):
            if row[column] is not None:
                row[column] = moment(row[column])
    return rows


async def record_staff_action(
    *, staff_id: int, staff_name: str, action: str, subject: str, detail: str, at: datetime
) -> None:
    await StaffAuditEntry.insert(
        StaffAuditEntry(
            staff_id=staff_id,
            staff_name=staff_name,
            action=action[:40],
            subject=subject[:160],
            detail=detail[:2000],
            at=at,
        )
    )


async def staff_actions(limit: int = 50) -> list[dict[str, Any]]:
    """Staff actions outside a request's lifecycle (reveals, retries), newest first."""
    return await StaffAuditEntry.select().order_by(StaffAuditEntry.id, ascending=False).limit(limit)
