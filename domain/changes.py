"""What each transition writes on the request (the `changes` column of the table), and the
deadline of the queue a request then waits in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType

from domain.guards import Attempt, appeal_kind
from domain.money import refund_amount
from domain.policy import fee_payer_for
from domain.request import Changes, ReturnSnapshot
from domain.serials import normalise_serial
from domain.terms import State


def nothing(attempt: Attempt) -> Changes:
    return Changes()


def submitted(attempt: Attempt) -> Changes:
    hours = attempt.snapshot.policy.review_sla_hours
    return Changes(submitted_at=attempt.now, review_due_at=attempt.now + timedelta(hours=hours))


def approved(attempt: Attempt) -> Changes:
    snapshot = attempt.snapshot
    # the policy's payer wins; the reviewer's choice only fills the reasons it leaves open
    payer = fee_payer_for(snapshot.policy, snapshot.reason) or attempt.command.fee_payer
    ship_by = attempt.now + timedelta(days=snapshot.policy.ship_by_days)
    return Changes(fee_payer=payer, ship_by=ship_by)


def rejected(attempt: Attempt) -> Changes:
    days = attempt.snapshot.policy.appeal_window_days
    return Changes(
        rejected_at=attempt.now,
        appeal_deadline=attempt.now + timedelta(days=days),
        decided_by=attempt.actor.id,
    )


def appealed(attempt: Attempt) -> Changes:
    snapshot, now = attempt.snapshot, attempt.now
    kind = appeal_kind(snapshot)
    return Changes(
        appeal_of=kind,
        appealed=snapshot.appealed | {kind},
        appealed_at=now,
        appeal_due_at=now + timedelta(hours=snapshot.policy.appeal_review_sla_hours),
    )


def accepted(attempt: Attempt) -> Changes:
    return Changes(outcome_accepted=True)


def upheld_inspection(attempt: Attempt) -> Changes:
    return Changes(inspection_failed_final=True)


def refund_computed(attempt: Attempt) -> Changes:
    snapshot = attempt.snapshot
    amount = refund_amount(
        snapshot.items,
        snapshot.resolution,
        snapshot.fee_payer,
        snapshot.shipping_advanced,
        snapshot.paid_total,
    )
    due_by = attempt.now + timedelta(days=snapshot.policy.refund_sla_days)
    return Changes(refund_amount=amount, refund_due_by=due_by)


def shipped(attempt: Attempt) -> Changes:
    return replace(parcel(attempt), shipped_at=attempt.now)


def parcel(attempt: Attempt) -> Changes:
    command = attempt.command
    return Changes(carrier=command.carrier.strip(), tracking_number=command.tracking_number.strip())


def replacement_shipped(attempt: Attempt) -> Changes:
    serial = normalise_serial(attempt.command.replacement_serial)
    return replace(parcel(attempt), replacement_serial=serial)


def received(attempt: Attempt) -> Changes:
    listed = {item.order_item_id for item in attempt.snapshot.items}
    found = tuple(
        (item_id, status) for item_id, status in attempt.command.receipts if item_id in listed
    )
    return Changes(receipts=found)


def inspection_failed(attempt: Attempt) -> Changes:
    days = attempt.snapshot.policy.appeal_window_days
    return Changes(
        decided_by=attempt.actor.id,
        appeal_deadline=attempt.now + timedelta(days=days),
        inspection_failed_final=False,
    )


def refunded(attempt: Attempt) -> Changes:
    command = attempt.command
    return Changes(
        refunded_at=attempt.now,
        payment_reference=command.payment_reference.strip(),
        invoice_reversal=command.invoice_reversal.strip() or None,
    )


# the deadline of the queue a request waits in, by state: the field the store copies into the
# request's one indexed `due_at`, so every staff queue is ordered and paged by it
_QUEUE_DEADLINES: Mapping[State, str] = MappingProxyType(
    {
        State.SUBMITTED: "review_due_at",
        State.APPEALED: "appeal_due_at",
        State.APPROVED: "ship_by",
        State.REJECTED: "appeal_deadline",
        State.INSPECTION_FAILED: "appeal_deadline",
        State.REFUND_PENDING: "refund_due_by",
    }
)


def queue_deadline(snapshot: ReturnSnapshot) -> datetime | None:
    """When the request's current wait ends (None: no deadline in this state)."""
    name = _QUEUE_DEADLINES.get(snapshot.state)
    value = getattr(snapshot, name) if name else None
    return value if isinstance(value, datetime) else None
