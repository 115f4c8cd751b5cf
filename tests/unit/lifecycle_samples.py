"""Sample requests, actors, a fixed clock and small assertions shared by the lifecycle tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.inspection import CHECKLIST
from domain.lifecycle import (
    Action,
    Actor,
    AppealOf,
    Command,
    Decision,
    Effect,
    EffectKind,
    FeePayer,
    ItemSnapshot,
    Reason,
    Refusal,
    Resolution,
    ReturnSnapshot,
    Role,
    State,
    decide,
)
from domain.money import Money
from domain.policy import DEFAULT_POLICY
from domain.terms import ItemReceipt

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ORDER_COMPLETED = NOW - timedelta(days=10)

MERCHANT = Actor(Role.MERCHANT, "merchant:1", merchant_id=1)
OTHER_MERCHANT = Actor(Role.MERCHANT, "merchant:2", merchant_id=2)
PARTNER = Actor(Role.PARTNER, "partner:7", merchant_id=1)
OTHER_PARTNER = Actor(Role.PARTNER, "partner:8", merchant_id=2)
COUNTER = Actor(Role.COUNTER, "staff:20", outlet_id=3)
OTHER_COUNTER = Actor(Role.COUNTER, "staff:21", outlet_id=4)
REVIEWER = Actor(Role.REVIEWER, "staff:1")
OTHER_REVIEWER = Actor(Role.REVIEWER, "staff:2")
SUPERVISOR = Actor(Role.SUPERVISOR, "staff:3")
OTHER_SUPERVISOR = Actor(Role.SUPERVISOR, "staff:4")
INSPECTOR = Actor(Role.INSPECTOR, "staff:5")
FINANCE = Actor(Role.FINANCE, "staff:6")
SYSTEM = Actor(Role.SYSTEM, "system")

TERMINAL = ItemSnapshot("terminal", Money(128000), 1, "SN1001", order_item_id=1)
CABLE = ItemSnapshot("accessory", Money(3000), 2, None, order_item_id=2)
# the parcel as it should arrive: both lines of the sample request, received
ALL_RECEIVED = ((1, ItemReceipt.RECEIVED), (2, ItemReceipt.RECEIVED))

SMS = ("in_app", "sms")
IN_APP = ("in_app",)
TRACKING = {"carrier": "SF Express", "tracking_number": "SF1234567890"}
# every inspection check confirmed, as a pass needs
ALL_CHECKS = tuple(CHECKLIST)


def draft(**fields: Any) -> ReturnSnapshot:
    """A merchant's draft for a defective terminal and two cables, ten days after delivery."""
    base = ReturnSnapshot(
        state=State.DRAFT,
        version=1,
        merchant_id=1,
        resolution=Resolution.REFUND,
        reason=Reason.QUALITY_DEFECT,
        items=(TERMINAL, CABLE),
        order_completed_at=ORDER_COMPLETED,
        paid_total=Money(134000),
        policy=DEFAULT_POLICY,
        evidence_count=1,
        outlet_id=3,  # registered at COUNTER's outlet
        partner_client=PARTNER.id,  # and filed through PARTNER
    )
    return replace(base, **fields)


def request(state: State, **fields: Any) -> ReturnSnapshot:
    """A request in `state` with the dates and decisions that state implies."""
    implied: dict[str, Any] = {"submitted_at": NOW - timedelta(days=3)}
    implied["review_due_at"] = implied["submitted_at"] + timedelta(hours=24)
    if state in {
        State.APPROVED,
        State.IN_TRANSIT,
        State.RECEIVED,
        State.REFUND_PENDING,
        State.REPLACEMENT_PENDING,
        State.INSPECTION_FAILED,
        State.REFUNDED,
    }:
        implied |= {"fee_payer": FeePayer.PLATFORM, "ship_by": NOW + timedelta(days=12)}
    if state is State.REJECTED:
        implied |= {
            "rejected_at": NOW - timedelta(days=1),
            "appeal_deadline": NOW + timedelta(days=14),
            "decided_by": REVIEWER.id,
        }
    if state is State.INSPECTION_FAILED:
        implied |= {"appeal_deadline": NOW + timedelta(days=14), "decided_by": INSPECTOR.id}
    if state is State.APPEALED:
        implied |= {
            "appeal_deadline": NOW + timedelta(days=14),
            "decided_by": REVIEWER.id,
            "appeal_of": AppealOf.REJECTION,
            "appealed": frozenset({AppealOf.REJECTION}),
        }
    if state in {State.REFUND_PENDING, State.REFUNDED}:
        implied |= {"refund_amount": Money(134000), "refund_due_by": NOW + timedelta(days=7)}
    if state is State.REFUNDED:
        implied["refunded_at"] = NOW - timedelta(days=1)
    if state is State.REJECTED_FINAL:
        implied |= {"decided_by": REVIEWER.id, "appealed": frozenset({AppealOf.REJECTION})}
    return draft(state=state, **(implied | fields))


def decided(
    snapshot: ReturnSnapshot, command: Command, actor: Actor, now: datetime = NOW
) -> Decision:
    result = decide(snapshot, command, actor, now)
    assert isinstance(result, Decision), result
    return result


def refused(
    snapshot: ReturnSnapshot, command: Command, actor: Actor, now: datetime = NOW
) -> Refusal:
    result = decide(snapshot, command, actor, now)
    assert isinstance(result, Refusal), result
    return result


def notify(action: Action, channels: tuple[str, ...]) -> Effect:
    return Effect(EffectKind.NOTIFY, action.value, channels)


def webhook(name: str) -> Effect:
    return Effect(EffectKind.WEBHOOK, name)


def inspection_appeal(resolution: Resolution = Resolution.REFUND) -> ReturnSnapshot:
    return request(
        State.APPEALED,
        resolution=resolution,
        fee_payer=FeePayer.PLATFORM,
        decided_by=INSPECTOR.id,
        appeal_of=AppealOf.INSPECTION,
        appealed=frozenset({AppealOf.INSPECTION}),
    )
