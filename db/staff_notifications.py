"""Staff notifications: written in the transaction of what they tell of, read as each person's
unread count and list. One row per notice, whether for one person or a whole role."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.tables import Event, OutboxRow, ReturnRequest, StaffNotification, StaffUser
from domain.staff import STAFF_ROLES
from domain.staff_notices import Addressee, addressee
from domain.terms import Role, State

DEAD_WORK_QUIET = timedelta(minutes=15)  # one alert per quarter hour however much gives up


async def tell(to: Addressee, kind: str, rma: str, now: datetime, **params: Any) -> None:
    await StaffNotification.insert(
        StaffNotification(
            role=to.role.value,
            staff_id=to.staff_id,
            kind=kind,
            rma=rma,
            params=params,
            created_at=now,
        )
    )


async def tell_about_request(request_id: int, kind: str, now: datetime) -> None:
    """A merchant's step on a request: tell whoever domain/ says should hear of it."""
    row = (
        await ReturnRequest.select(ReturnRequest.rma, ReturnRequest.state)
        .where(ReturnRequest.id == request_id)
        .first()
    )
    if row is None or not row["rma"]:
        return
    last = await (
        Event.select(Event.actor_role, Event.actor_id)
        .where(
            (Event.request == request_id) & Event.actor_role.is_in([r.value for r in STAFF_ROLES])
        )
        .order_by(Event.id, ascending=False)
        .first()
    )
    last_staff = (Role(last["actor_role"]), last["actor_id"]) if last else None
    await tell(addressee(kind, State(row["state"]), last_staff), kind, row["rma"], now)


async def alert_dead_work(now: datetime) -> None:
    """Work has just given up: tell the supervisors, unless they were told moments ago."""
    recent = await StaffNotification.exists().where(
        (StaffNotification.kind == "outbox_dead")
        & (StaffNotification.created_at > now - DEAD_WORK_QUIET)
    )
    if not recent:
        dead = await OutboxRow.count().where(OutboxRow.dead_at.is_not_null())
        await tell(Addressee(Role.SUPERVISOR), "outbox_dead", "", now, dead=dead)


def _mine(staff_id: int, role: Role) -> Any:
    return (StaffNotification.role == role.value) & (
        StaffNotification.staff_id.is_null() | (StaffNotification.staff_id == staff_id)
    )


async def unread_count(staff_id: int, role: Role, seen: int) -> int:
    count: int = await StaffNotification.count().where(
        _mine(staff_id, role) & (StaffNotification.id > seen)
    )
    return count


async def notices_for(staff_id: int, role: Role, limit: int = 50) -> list[dict[str, Any]]:
    return await (
        StaffNotification.select()
        .where(_mine(staff_id, role))
        .order_by(StaffNotification.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )


async def mark_seen(staff_id: int, newest: int) -> None:
    """Everything up to `newest` is seen; a later page never moves the mark back."""
    await StaffUser.update({StaffUser.notices_seen: newest}).where(
        (StaffUser.id == staff_id) & (StaffUser.notices_seen < newest)
    )
