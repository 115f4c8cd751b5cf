"""The return-request store: load → let domain decide → write state, event and outbox in one transaction."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from db.engine import atomic
from db.outbox import add_to_outbox
from db.tables import (
    Event,
    EvidenceFile,
    Notification,
    Order,
    OrderItem,
    PolicyVersion,
    ReturnItem,
    ReturnRequest,
)
from domain.lifecycle import (
    Action,
    Actor,
    AppealOf,
    Changes,
    Command,
    Decision,
    EffectKind,
    FeePayer,
    ItemSnapshot,
    Reason,
    Refusal,
    Resolution,
    ReturnSnapshot,
    State,
    decide,
)
from domain.money import Money
from domain.policy import DEFAULT_POLICY, Policy, window_days
from domain.risk import RiskInput, assess
from domain.rma import make_rma
from domain.terms import SERIAL_RELEASED_STATES


class NotFound(Exception):
    """No such request (or not one this actor may see)."""


class Conflict(Exception):
    """The request changed since the actor loaded it; nothing was written."""


@dataclass(frozen=True)
class Applied:
    request_id: int
    rma: str | None
    state: State | None
    version: int
    event_id: int


async def current_policy() -> tuple[int, Policy]:
    row = await (
        PolicyVersion.select()
        .order_by(PolicyVersion.version, ascending=False)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return 0, DEFAULT_POLICY
    return row["version"], Policy.from_dict(row["body"])


async def ensure_policy() -> int:
    """Record the default policy as version 1 when none exists yet (idempotent)."""
    version, _ = await current_policy()
    if version:
        return version
    await PolicyVersion.insert(
        PolicyVersion(version=1, body=DEFAULT_POLICY.to_dict(), reason="default policy")
    ).on_conflict(action="DO NOTHING")
    return 1


async def _policy(version: int) -> Policy:
    row = await (
        PolicyVersion.select(PolicyVersion.body)
        .where(PolicyVersion.version == version)
        .output(load_json=True)
        .first()
    )
    return Policy.from_dict(row["body"]) if row else DEFAULT_POLICY


async def _items(request_id: int) -> list[dict[str, Any]]:
    return await ReturnItem.select(
        ReturnItem.id,
        ReturnItem.quantity,
        ReturnItem.serial_number,
        ReturnItem.order_item.id,
        ReturnItem.order_item.unit_price_fen,
        ReturnItem.order_item.product.category.key,  # type: ignore[union-attr]
    ).where(ReturnItem.request == request_id)


async def _serials_held_elsewhere(request_id: int, serials: list[str]) -> frozenset[str]:
    if not serials:
        return frozenset()
    rows = await ReturnItem.select(ReturnItem.serial_number, ReturnItem.request.state).where(
        (ReturnItem.serial_number.is_in(serials)) & (ReturnItem.request != request_id)
    )
    return frozenset(
        row["serial_number"]
        for row in rows
        if State(row["request.state"]) not in SERIAL_RELEASED_STATES
    )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything ReturnDesk stores is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def _snapshot(row: dict[str, Any], policy: Policy) -> ReturnSnapshot:
    items = await _items(row["id"])
    order = await Order.select().where(Order.id == row["order"]).first()
    if order is None:
        raise NotFound(row["id"])
    evidence_count = await EvidenceFile.count().where(EvidenceFile.request == row["id"])
    serials = [item["serial_number"] for item in items if item["serial_number"]]
    return ReturnSnapshot(
        state=State(row["state"]),
        version=row["version"],
        merchant_id=row["merchant"],
        resolution=Resolution(row["resolution"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        items=tuple(
            ItemSnapshot(
                product_category=item["order_item.product.category.key"],
                unit_price=Money(item["order_item.unit_price_fen"]),
                quantity=item["quantity"],
                serial_number=item["serial_number"],
                order_item_id=item["order_item.id"],
            )
            for item in items
        ),
        order_completed_at=_aware(order["completed_at"]),  # type: ignore[arg-type]
        paid_total=Money(order["paid_total_fen"]),
        policy=policy,
        evidence_count=evidence_count,
        already_returned_serials=await _serials_held_elsewhere(row["id"], serials),
        submitted_at=_aware(row["submitted_at"]),
        review_due_at=_aware(row["review_due_at"]),
        fee_payer=FeePayer(row["fee_payer"]) if row["fee_payer"] else None,
        ship_by=_aware(row["ship_by"]),
        shipped_at=_aware(row["shipped_at"]),
        rejected_at=_aware(row["rejected_at"]),
        appeal_deadline=_aware(row["appeal_deadline"]),
        appeal_of=AppealOf(row["appeal_of"]) if row["appeal_of"] else None,
        decided_by=row["decided_by"],
        appealed=frozenset(AppealOf(kind) for kind in row["appealed"].split(",") if kind),
        inspection_failed_final=row["inspection_failed_final"],
        refunded_at=_aware(row["refunded_at"]),
        refund_due_by=_aware(row["refund_due_by"]),
        refund_amount=(
            Money(row["refund_amount_fen"]) if row["refund_amount_fen"] is not None else None
        ),
        shipping_advanced=Money(row["shipping_advanced_fen"]),
        invoice_issued=order["invoice_issued"],
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        payment_reference=row["payment_reference"],
        invoice_reversal=row["invoice_reversal"],
    )


def _changed_columns(changes: Changes) -> dict[Any, Any]:
    """Map the decision's Changes onto ReturnRequest columns (Money → fen, sets → text)."""
    values: dict[Any, Any] = {}
    for field in fields(changes):
        value = getattr(changes, field.name)
        if value is None:
            continue
        if field.name == "refund_amount":
            values[ReturnRequest.refund_amount_fen] = value.fen
        elif field.name == "appealed":
            values[ReturnRequest.appealed] = ",".join(sorted(kind.value for kind in value))
        else:
            values[getattr(ReturnRequest, field.name)] = getattr(value, "value", value)
    return values


async def _risk_at_submit(row: dict[str, Any], snapshot: ReturnSnapshot, now: datetime) -> Any:
    serials = [item.serial_number for item in snapshot.items if item.serial_number]
    returned_before = 0
    if serials:
        returned_before = await ReturnItem.count().where(
            ReturnItem.serial_number.is_in(serials)
            & (ReturnItem.request != row["id"])
            & ReturnItem.request.submitted_at.is_not_null()
        )
    recent = await ReturnRequest.count().where(
        (ReturnRequest.merchant == row["merchant"])
        & (ReturnRequest.id != row["id"])
        & (ReturnRequest.submitted_at >= now - timedelta(days=90))
    )
    evidence = await EvidenceFile.select(EvidenceFile.sha256, EvidenceFile.taken_at).where(
        EvidenceFile.request == row["id"]
    )
    hashes = [file["sha256"] for file in evidence]
    reused = 0
    if hashes:
        reused = await EvidenceFile.count().where(
            EvidenceFile.sha256.is_in(hashes) & (EvidenceFile.request != row["id"])
        )
    taken = [_aware(file["taken_at"]) for file in evidence if file["taken_at"]]
    order = await Order.select(Order.delivered_at).where(Order.id == row["order"]).first()
    closes = [
        snapshot.order_completed_at
        + timedelta(days=window_days(snapshot.policy, item.product_category))
        for item in snapshot.items
    ]
    return assess(
        RiskInput(
            serials_returned_before=returned_before,
            merchant_returns_90d=recent,
            order_completed_at=snapshot.order_completed_at,
            window_closes_at=min(closes) if closes else snapshot.order_completed_at,
            submitted_at=now,
            evidence_hashes_reused=reused,
            earliest_photo_taken_at=min(taken) if taken else None,  # type: ignore[type-var]
            delivered_at=_aware(order["delivered_at"]) if order else None,
            # No transaction feed from the terminal-management system reaches ReturnDesk yet.
            terminal_transacted_after_request=False,
        ),
        now,
    )


async def load_snapshot(request_id: int) -> ReturnSnapshot:
    """The request as domain/ sees it, for read-only use (offering actions, next steps)."""
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    if row is None:
        raise NotFound(request_id)
    if row["state"] == State.DRAFT.value:
        _, policy = await current_policy()
    else:
        policy = await _policy(row["policy_version"])
    return await _snapshot(row, policy)


async def apply_action(
    request_id: int,
    command: Command,
    actor: Actor,
    now: datetime,
    *,
    expected_version: int | None = None,
    actor_name: str = "",
) -> Applied | Refusal:
    """Apply one domain action atomically. A stale `expected_version` raises Conflict."""
    async with atomic():
        row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
        if row is None:
            raise NotFound(request_id)
        if expected_version is not None and row["version"] != expected_version:
            raise Conflict(request_id)
        if command.action is Action.SUBMIT:
            policy_version, policy = await current_policy()
        else:
            policy_version, policy = row["policy_version"], await _policy(row["policy_version"])
        snapshot = await _snapshot(row, policy)
        decision = decide(snapshot, command, actor, now)
        if isinstance(decision, Refusal):
            return decision
        return await _write(row, snapshot, decision, actor, actor_name, now, policy_version)


async def _write(
    row: dict[str, Any],
    snapshot: ReturnSnapshot,
    decision: Decision,
    actor: Actor,
    actor_name: str,
    now: datetime,
    policy_version: int,
) -> Applied:
    request_id = row["id"]
    if decision.new_state is None:  # a discarded draft leaves nothing behind
        deleted = (
            await ReturnRequest.delete()
            .where((ReturnRequest.id == request_id) & (ReturnRequest.version == row["version"]))
            .returning(ReturnRequest.id)
        )
        if not deleted:
            raise Conflict(request_id)
        return Applied(request_id, None, None, row["version"] + 1, 0)

    values = _changed_columns(decision.changes)
    values[ReturnRequest.state] = decision.new_state.value
    values[ReturnRequest.version] = row["version"] + 1
    values[ReturnRequest.updated_at] = now
    rma = row["rma"]
    if decision.event.action is Action.SUBMIT:
        rma = rma or make_rma(now, os.urandom(10))
        values[ReturnRequest.rma] = rma
        values[ReturnRequest.policy_version] = policy_version
        risk = await _risk_at_submit(row, snapshot, now)
        values[ReturnRequest.risk_score] = risk.score
        values[ReturnRequest.risk_findings] = [
            {
                "code": f.code,
                "points": f.points,
                "msgid": f.explanation.msgid,
                "params": {k: _jsonable(v) for k, v in f.explanation.params.items()},
            }
            for f in risk.findings
        ]
    updated = (
        await ReturnRequest.update(values)
        .where((ReturnRequest.id == request_id) & (ReturnRequest.version == row["version"]))
        .returning(ReturnRequest.id)
    )
    if not updated:
        raise Conflict(request_id)

    event = decision.event
    inserted = await Event.insert(
        Event(
            request=request_id,
            action=event.action.value,
            from_state=event.from_state.value,
            to_state=event.to_state.value if event.to_state else None,
            actor_role=actor.role.value,
            actor_id=actor.id,
            actor_name=actor_name,
            message=event.message,
            reason_code=event.reason_code,
            at=now,
        )
    ).returning(Event.id)
    event_id = inserted[0]["id"]
    await _write_effects(
        request_id, row["merchant"], rma, decision, event_id, row["version"] + 1, now
    )
    return Applied(request_id, rma, decision.new_state, row["version"] + 1, event_id)


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, Money):
        return {"fen": value.fen}
    return value


async def _write_effects(
    request_id: int,
    merchant_id: int,
    rma: str | None,
    decision: Decision,
    event_id: int,
    version: int,
    now: datetime,
) -> None:
    """In-app notifications are rows written here; everything slow or external goes to the outbox."""
    action = decision.event.action.value
    for effect in decision.effects:
        if effect.kind is EffectKind.NOTIFY:
            await Notification.insert(
                Notification(
                    merchant=merchant_id,
                    request=request_id,
                    kind=effect.name,
                    params={"rma": rma or "", "event_id": event_id},
                    created_at=now,
                )
            )
            for channel in effect.channels:
                if channel == "in_app":
                    continue
                await add_to_outbox(
                    key=f"notify:{event_id}:{channel}",
                    job="send_notification",
                    payload={"event_id": event_id, "channel": channel, "kind": effect.name},
                    due_at=now,
                )
        elif effect.kind is EffectKind.DOCUMENT:
            await add_to_outbox(
                key=f"document:{rma}:{effect.name}:{version}",
                job="render_document",
                payload={"request_id": request_id, "document": effect.name, "version": version},
                due_at=now,
            )
        elif effect.kind is EffectKind.WEBHOOK:
            await add_to_outbox(
                key=f"webhook:{event_id}:{effect.name}",
                job="deliver_webhook",
                payload={"event_id": event_id, "type": effect.name, "action": action},
                due_at=now,
            )
        elif effect.kind is EffectKind.UNBIND_TERMINAL:
            serials = [
                item["serial_number"] for item in await _items(request_id) if item["serial_number"]
            ]
            if serials:
                await OrderItem.update({OrderItem.bound: False}).where(
                    OrderItem.serial_number.is_in(serials)
                )
