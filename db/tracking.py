"""/track's read: where a request stands, for anyone holding its RMA and a phone's last four."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.engine import reading
from db.snapshots import aware_at
from db.tables import Event, ReturnRequest
from domain.terms import State


@dataclass(frozen=True)
class StateChange:
    state: State
    at: datetime


@dataclass(frozen=True)
class PublicStatus:
    """What /track may show: the state and when it changed, nothing private."""

    rma: str
    state: State
    changes: tuple[StateChange, ...]  # newest first


async def public_status(rma: str, phone_last4: str) -> PublicStatus | None:
    """The state and dated state changes of a request, if the four digits end the merchant's
    phone or the request's contact phone; None otherwise, the same for a wrong RMA."""
    if len(phone_last4) != 4 or not phone_last4.isascii() or not phone_last4.isdigit():
        return None
    async with reading():
        row = await (
            ReturnRequest.select(
                ReturnRequest.id,
                ReturnRequest.rma,
                ReturnRequest.state,
                ReturnRequest.contact_phone,
                ReturnRequest.merchant.phone,
            )
            .where(ReturnRequest.rma == rma)
            .first()
        )
        if row is None:
            return None
        phones = [row["merchant.phone"] or "", row["contact_phone"] or ""]
        if not any(len(p) >= 4 and p[-4:] == phone_last4 for p in phones):
            return None
        events = await (
            Event.select(Event.from_state, Event.to_state, Event.at)
            .where(Event.request == row["id"])
            .order_by(Event.at, ascending=False)
            .order_by(Event.id, ascending=False)
        )
    changes = tuple(
        StateChange(State(event["to_state"]), aware_at(event["at"]))
        for event in events
        if event["to_state"] and event["to_state"] != event["from_state"]
    )
    return PublicStatus(rma=row["rma"], state=State(row["state"]), changes=changes)
