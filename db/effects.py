"""What a decision implies beyond the request row, written in the decision's transaction:
in-app notifications, serial claims, the terminal's binding, partners' events, and outbox rows
for the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.outbox import add_to_outbox
from db.snapshots import RequestRows, moment
from db.sql import TERMINAL_FACTS
from db.tables import Merchant, Notification, ReturnItem, ReturnRequest, SerialClaim, Terminal
from db.webhooks import record_partner_event, sync_clients
from domain.lifecycle import Decision, Effect, EffectKind, ReturnSnapshot
from domain.money import Money
from domain.notices import notice_fields


class SerialTaken(Exception):
    """The database refused a serial claim: another request holds the unit. Raised inside the
    transaction so that nothing of the decision is written."""


def jsonable(value: object) -> object:
    """Domain values as the JSON columns keep them (and domain.text renders them back)."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, Money):
        return {"fen": value.fen}
    return getattr(value, "value", value)


def notice_params(kind: str, after: ReturnSnapshot, rma: str | None) -> dict[str, Any]:
    """The values a notice's text names, taken from the request as the decision left it."""
    params: dict[str, Any] = {"rma": rma or ""}
    for name in notice_fields(kind):
        params[name] = jsonable(getattr(after, name, None))
    return params


@dataclass(frozen=True)
class Decided:
    """A decision as written: the request before and after it, its RMA and its event."""

    rows: RequestRows
    after: ReturnSnapshot
    rma: str | None
    decision: Decision
    event_id: int
    now: datetime

    @property
    def request_id(self) -> int:
        return int(self.rows.row["id"])


async def write_effects(done: Decided) -> None:
    for effect in done.decision.effects:
        await _WRITERS[effect.kind](done, effect)


async def _has_email(merchant_id: int) -> bool:
    row = await Merchant.select(Merchant.email).where(Merchant.id == merchant_id).first()
    return bool(row and row["email"])


async def _notify(done: Decided, effect: Effect) -> None:
    """The in-app notice is a row now; SMS and e-mail go through the outbox to a worker."""
    params = notice_params(effect.name, done.after, done.rma)
    await Notification.insert(
        Notification(
            merchant=done.after.merchant_id,
            request=done.request_id,
            kind=effect.name,
            params={**params, "event_id": done.event_id},
            created_at=done.now,
        )
    )
    channels = list(effect.channels)
    if "sms" in channels and await _has_email(done.after.merchant_id):
        channels.append("email")  # DESIGN §6: e-mail too, where an address is on file
    for channel in channels:
        if channel == "in_app":
            continue
        await add_to_outbox(
            key=f"notify:{done.event_id}:{channel}",
            job="send_notification",
            payload={
                "event_id": done.event_id,
                "channel": channel,
                "kind": effect.name,
                "params": params,
            },
            due_at=done.now,
        )


async def _document(done: Decided, effect: Effect) -> None:
    await add_to_outbox(
        key=f"document:{done.rma}:{effect.name}:{done.after.version}",
        job="render_document",
        payload={
            "request_id": done.request_id,
            "document": effect.name,
            "version": done.after.version,
        },
        due_at=done.now,
    )


async def _webhook(done: Decided, effect: Effect) -> None:
    """Partners hear of every change to a request they filed; the provider's own systems (the
    sync clients: the terminal-management system among them) hear of every unbound terminal."""
    listeners = [done.after.partner_client] if done.after.partner_client else []
    if effect.name == "terminal.unbound":
        listeners += [c for c in await sync_clients() if c not in listeners]
    if not listeners:
        return
    event = done.decision.event
    data: dict[str, Any] = {
        "action": event.action.value,
        "from_state": event.from_state.value,
        "to_state": event.to_state.value if event.to_state else None,
        "version": done.after.version,
    }
    if effect.name == "terminal.unbound":  # which units, for the terminal-management system
        data["serial_numbers"] = sorted(
            {item.serial_number for item in done.after.items if item.serial_number}
        )
    for listener in listeners:
        await record_partner_event(done.request_id, listener, effect.name, data, done.now)


async def _keep_facts(done: Decided, effect: Effect) -> None:
    """The order's facts as the submit read them become the request's own copy (db.sql reads
    the copy wherever it is set): a later sync of the order leaves the request as decided."""
    before = done.rows.snapshot
    await ReturnRequest.update({
        ReturnRequest.kept_completed_at: before.order_completed_at,
        ReturnRequest.kept_paid_total_fen: before.paid_total.fen,
    }).where(ReturnRequest.id == done.request_id)  # fmt: skip
    for item in done.rows.items:
        terminal = {name: item[f"terminal.{name}"] for name in TERMINAL_FACTS}
        if terminal["last_transaction_at"] is not None:
            terminal["last_transaction_at"] = moment(terminal["last_transaction_at"]).isoformat()  # type: ignore[union-attr]
        await ReturnItem.update({
            ReturnItem.kept_unit_price_fen: item["order_item.unit_price_fen"],
            ReturnItem.kept_terminal: terminal if item["terminal.tid"] is not None else {},
        }).where(ReturnItem.id == item["id"])  # fmt: skip


async def _unbind_terminal(done: Decided, effect: Effect) -> None:
    # the units the inspector confirmed by serial number: each is one terminal, whoever sold it
    serials = sorted({item.serial_number for item in done.after.items if item.serial_number})
    if serials:
        await Terminal.update({Terminal.bound: False, Terminal.updated_at: done.now}).where(
            Terminal.serial_number.is_in(serials)
        )


async def _claim_serials(done: Decided, effect: Effect) -> None:
    serials = sorted({item.serial_number for item in done.after.items if item.serial_number})
    if not serials:
        return
    claims = [
        SerialClaim(serial_number=sn, request=done.request_id, claimed_at=done.now)
        for sn in serials
    ]
    taken = (
        await SerialClaim.insert(*claims)
        .on_conflict(target=SerialClaim.serial_number, action="DO NOTHING")
        .returning(SerialClaim.serial_number)
    )
    if len(taken) != len(serials):
        raise SerialTaken(done.request_id)


async def _release_serials(done: Decided, effect: Effect) -> None:
    await SerialClaim.delete().where(SerialClaim.request == done.request_id)


_WRITERS = {
    EffectKind.NOTIFY: _notify,
    EffectKind.DOCUMENT: _document,
    EffectKind.WEBHOOK: _webhook,
    EffectKind.UNBIND_TERMINAL: _unbind_terminal,
    EffectKind.CLAIM_SERIALS: _claim_serials,
    EffectKind.KEEP_FACTS: _keep_facts,
    EffectKind.RELEASE_SERIALS: _release_serials,
}
