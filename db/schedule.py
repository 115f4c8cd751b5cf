"""What the clock decides (DESIGN §2, §6): requests whose deadline has passed, found by the
queue index and handed to the same store the web uses as the system's actions — domain/ still
decides each one, so a request that moved meanwhile is simply refused and left alone. Also the
reminders before ship-by, missed review deadlines, and the housekeeping of abandoned drafts.

Every function here takes `now`, so tests run them on a frozen clock; each is safe to run
twice or on two workers at once (the store's version check and the keys below see to it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.effects import notice_params
from db.engine import atomic
from db.evidence import stored_names
from db.files import FileStore
from db.outbox import add_to_outbox
from db.returns import Applied, apply_action
from db.snapshots import load_snapshot
from db.staff_notifications import tell
from db.tables import Event, Notification, ReturnRequest, StaffNotification
from domain.lifecycle import Action, Actor, Command, Role, State
from domain.staff_notices import Addressee

SYSTEM = Actor(Role.SYSTEM, "system:schedule")
BATCH = 500  # per run: a backlog is worked off over a few runs, each of bounded cost
REMIND_BEFORE = timedelta(days=3)
DRAFTS_KEPT = timedelta(days=30)
STAGED_KEPT = timedelta(days=1)
EXPORTS_KEPT = timedelta(days=7)  # an uploaded export, started or not

# what the clock does to a request in each state, once the deadline the queue orders it by
# (due_at) has passed; refunded requests wait their own settling time, checked by domain/
_DUE_ACTIONS = {
    State.APPROVED: Action.EXPIRE,  # not shipped by its ship-by moment
    State.REJECTED: Action.CLOSE,  # the appeal window passed: the rejection is final
}


@dataclass(frozen=True)
class Outcome:
    applied: int
    refused: int  # moved meanwhile, or not due by domain/'s reckoning


async def _ids(where: Any, limit: int = BATCH) -> list[int]:
    rows = (
        await ReturnRequest.select(ReturnRequest.id)
        .where(where)
        .order_by(ReturnRequest.due_at)
        .limit(limit)
    )
    return [int(row["id"]) for row in rows]


async def _apply_all(ids: list[int], action: Action, now: datetime) -> Outcome:
    applied = refused = 0
    for request_id in ids:
        result = await apply_action(request_id, Command(action), SYSTEM, now)
        if isinstance(result, Applied):
            applied += 1
        else:
            refused += 1
    return Outcome(applied, refused)


async def apply_due(now: datetime) -> dict[str, Outcome]:
    """Expire what was not shipped in time and close rejections whose appeal window passed;
    close refunded requests once settled, and requests whose rejection became final."""
    done = {}
    for state, action in _DUE_ACTIONS.items():
        due = await _ids((ReturnRequest.state == state.value) & (ReturnRequest.due_at < now))
        done[f"{action.value}:{state.value}"] = await _apply_all(due, action, now)
    # refunded requests settle after the policy's days (domain/ counts them; a day is the
    # least any policy gives), a final rejection at once
    settled = await _ids(
        (
            (ReturnRequest.state == State.REFUNDED.value)
            & (ReturnRequest.refunded_at < now - timedelta(days=1))
        )
        | (ReturnRequest.state == State.REJECTED_FINAL.value)
    )
    done["close:settled"] = await _apply_all(settled, Action.CLOSE, now)
    return done


async def remind_before_ship_by(now: datetime) -> int:
    """Tell each merchant once, in the app and by SMS, that an approved return expires within
    three days unless shipped (DESIGN §6 "expiring soon")."""
    candidates = (
        await ReturnRequest.select(ReturnRequest.id, ReturnRequest.rma)
        .where(
            (ReturnRequest.state == State.APPROVED.value)
            & (ReturnRequest.due_at >= now)
            & (ReturnRequest.due_at < now + REMIND_BEFORE)
        )
        .limit(BATCH)
    )
    sent = 0
    for row in candidates:
        sent += await _remind(int(row["id"]), str(row["rma"]), now)
    return sent


async def _remind(request_id: int, rma: str, now: datetime) -> int:
    snapshot = await load_snapshot(request_id)
    if snapshot.ship_by is None:
        return 0
    key = f"remind:{request_id}:{snapshot.ship_by.isoformat()}"  # one per ship-by moment
    async with atomic():
        told = await Notification.exists().where(
            (Notification.request == request_id) & (Notification.kind == "expiring_soon")
        )
        last_event = (
            await Event.select(Event.id)
            .where(Event.request == request_id)
            .order_by(Event.id, ascending=False)
            .first()
        )
        if told or last_event is None:
            return 0
        params = notice_params("expiring_soon", snapshot, rma)
        await Notification.insert(
            Notification(
                merchant=snapshot.merchant_id,
                request=request_id,
                kind="expiring_soon",
                params={**params, "event_id": last_event["id"]},
                created_at=now,
            )
        )
        await add_to_outbox(
            key=key,
            job="send_notification",
            due_at=now,
            payload={
                "event_id": last_event["id"],
                "channel": "sms",
                "kind": "expiring_soon",
                "params": params,
            },
        )
    return 1


async def mark_missed_reviews(now: datetime) -> int:
    """Tell the supervisors of each request that missed its review or appeal deadline, once."""
    late = (
        await ReturnRequest.select(ReturnRequest.rma)
        .where(
            ReturnRequest.state.is_in([State.SUBMITTED.value, State.APPEALED.value])
            & (ReturnRequest.due_at < now)
        )
        .order_by(ReturnRequest.due_at)
        .limit(BATCH)
    )
    rmas = [str(row["rma"]) for row in late]
    if not rmas:
        return 0
    told = await StaffNotification.select(StaffNotification.rma).where(
        (StaffNotification.kind == "review_late") & StaffNotification.rma.is_in(rmas)
    )
    known = {row["rma"] for row in told}
    for rma in rmas:
        if rma not in known:
            await tell(Addressee(Role.SUPERVISOR), "review_late", rma, now)
    return len(set(rmas) - known)


async def purge_abandoned_drafts(store: FileStore, now: datetime) -> int:
    """Drafts nobody touched for 30 days go, with their files (nothing was ever submitted)."""
    stale = (
        await ReturnRequest.select(ReturnRequest.id)
        .where(
            (ReturnRequest.state == State.DRAFT.value)
            & (ReturnRequest.updated_at < now - DRAFTS_KEPT)
        )
        .limit(BATCH)
    )
    purged = 0
    for row in stale:
        names = await stored_names(int(row["id"]))
        deleted = (
            await ReturnRequest.delete()
            .where(
                (ReturnRequest.id == row["id"])
                & (ReturnRequest.state == State.DRAFT.value)
                & (ReturnRequest.updated_at < now - DRAFTS_KEPT)
            )
            .returning(ReturnRequest.id)
        )
        if deleted:
            await store.delete(names)
            purged += 1
    return purged
