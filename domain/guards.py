"""The conditions transitions check; each refuses with a stable code and words for a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from domain.inspection import CHECKLIST, missing_checks
from domain.limits import MAX_MESSAGE, MAX_SHORT, too_long
from domain.policy import check_eligibility, evidence_required, fee_payer_for
from domain.request import Actor, Command, HeldSerial, Refusal, ReturnSnapshot
from domain.serials import SERIAL_SHAPE, normalise_serial
from domain.staff import REJECTION_REASONS
from domain.terms import AppealOf, Role, State
from domain.text import N_, Text


@dataclass(frozen=True)
class Attempt:
    """One actor trying one command on one request at one moment: what every guard reads."""

    snapshot: ReturnSnapshot
    command: Command
    actor: Actor
    now: datetime


Guard = Callable[[Attempt], Refusal | None]


def appeal_kind(snapshot: ReturnSnapshot) -> AppealOf:
    """Which decision an appeal from this state is against."""
    return AppealOf.INSPECTION if snapshot.state is State.INSPECTION_FAILED else AppealOf.REJECTION


def _not_due(due_at: datetime | None) -> Refusal:
    if due_at is None:  # the date it depends on is not set yet, so there is no day to name
        return Refusal("not_due", Text(N_("This is not due yet.")))
    return Refusal("not_due", Text(N_("This is not due until %(due_at)s."), {"due_at": due_at}))


# -- conditions on the request, the actor and the clock (also checked to offer buttons) --


class Owned(Protocol):
    """Whose a request is: all that deciding who may touch it needs (a ReturnSnapshot is one)."""

    @property
    def merchant_id(self) -> int: ...
    @property
    def outlet_id(self) -> int | None: ...
    @property
    def partner_client(self) -> str | None: ...


def not_theirs(snapshot: Owned, actor: Actor) -> Refusal | None:
    """Whose requests an actor may touch at all: a merchant their own, a partner client those
    filed through it, counter staff those registered at their outlet; other staff any."""
    if actor.role is Role.MERCHANT and actor.merchant_id != snapshot.merchant_id:
        return Refusal("not_yours", Text(N_("This return request belongs to another merchant.")))
    if actor.role is Role.PARTNER and (
        snapshot.partner_client != actor.id or actor.merchant_id != snapshot.merchant_id
    ):
        return Refusal("not_yours", Text(N_("This return request was not filed through you.")))
    if actor.role is Role.COUNTER and (
        actor.outlet_id is None or snapshot.outlet_id != actor.outlet_id
    ):
        return Refusal(
            "not_yours", Text(N_("This return request was registered at another outlet."))
        )
    return None


def within_appeal_window(attempt: Attempt) -> Refusal | None:
    deadline = attempt.snapshot.appeal_deadline
    if deadline is not None and attempt.now <= deadline:
        return None
    return Refusal(
        "appeal_window_closed",
        Text(N_("The appeal window closed on %(appeal_deadline)s."), {"appeal_deadline": deadline}),
    )


def not_yet_appealed(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    if appeal_kind(snapshot) in snapshot.appealed or snapshot.inspection_failed_final:
        return Refusal(
            "already_appealed",
            Text(
                N_("This decision has already been appealed; each decision can be appealed once.")
            ),
        )
    return None


def not_accepted(attempt: Attempt) -> Refusal | None:
    if not attempt.snapshot.outcome_accepted:
        return None
    return Refusal(
        "outcome_accepted",
        Text(N_("You accepted the inspection result, so it can no longer be appealed.")),
    )


def outcome_settled(attempt: Attempt) -> Refusal | None:
    """The goods of a failed inspection go back only once the merchant can no longer appeal:
    they accepted, the appeal was upheld, or the appeal window passed."""
    snapshot = attempt.snapshot
    if snapshot.outcome_accepted or snapshot.inspection_failed_final:
        return None
    deadline = snapshot.appeal_deadline
    if deadline is not None and attempt.now > deadline:
        return None
    return Refusal(
        "appeal_still_open",
        Text(
            N_(
                "The merchant may still appeal until %(appeal_deadline)s; send the goods back once they accept or the window has passed."
            ),
            {"appeal_deadline": deadline},
        ),
    )


def someone_else_decided(attempt: Attempt) -> Refusal | None:
    # an appeal is only a second look if a different person takes it (DESIGN §2)
    if attempt.actor.id != attempt.snapshot.decided_by:
        return None
    return Refusal(
        "same_decider",
        Text(N_("You took the decision under appeal; another supervisor must decide the appeal.")),
    )


def ship_by_passed(attempt: Attempt) -> Refusal | None:
    ship_by = attempt.snapshot.ship_by
    if ship_by is not None and attempt.now > ship_by:
        return None
    return _not_due(ship_by)


def refund_settled(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    if snapshot.refunded_at is None:
        return _not_due(None)
    due_at = snapshot.refunded_at + timedelta(days=snapshot.policy.close_after_refund_days)
    return None if attempt.now >= due_at else _not_due(due_at)


def appeal_window_passed(attempt: Attempt) -> Refusal | None:
    deadline = attempt.snapshot.appeal_deadline
    if deadline is not None and attempt.now > deadline:
        return None
    return _not_due(deadline)


def within_paid(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    if snapshot.refund_amount is None or snapshot.refund_amount <= snapshot.paid_total:
        return None
    return Refusal(
        "over_refund",
        Text(
            N_("The refund of %(amount)s is more than the %(paid)s paid for the order."),
            {"amount": snapshot.refund_amount, "paid": snapshot.paid_total},
        ),
    )


# -- conditions on what the actor supplied with the command --


def within_limits(attempt: Attempt) -> Refusal | None:
    """Every command: nothing typed is longer than its field allows (a 1 MB message would be
    kept forever and weigh on every page that shows it)."""
    command = attempt.command
    if len(command.message.strip()) > MAX_MESSAGE:
        return Refusal("too_long", too_long(MAX_MESSAGE))
    short = (
        command.carrier,
        command.tracking_number,
        command.payment_reference,
        command.invoice_reversal,
        command.reason_code,
    )
    if any(len(value.strip()) > MAX_SHORT for value in short):
        return Refusal("too_long", too_long(MAX_SHORT))
    return None


def items_listed(attempt: Attempt) -> Refusal | None:
    if attempt.snapshot.items:
        return None
    return Refusal("items_required", Text(N_("Add at least one item to return.")))


def reason_given(attempt: Attempt) -> Refusal | None:
    if attempt.snapshot.reason is not None:
        return None
    return Refusal("reason_required", Text(N_("Choose why you are returning the goods.")))


def window_open(attempt: Attempt) -> Refusal | None:
    snapshot, command = attempt.snapshot, attempt.command
    eligibility = check_eligibility(
        snapshot.order_completed_at,
        (item.product_category for item in snapshot.items),
        snapshot.policy,
        attempt.now,
    )
    if eligibility.eligible:
        return None
    if attempt.actor.role is Role.SUPERVISOR and command.override_window:
        if command.message.strip():
            return None
        return Refusal(
            "message_required", Text(N_("Say why the closed return window is overridden."))
        )
    return Refusal("window_closed", eligibility.message)


def evidence_attached(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    if not evidence_required(snapshot.policy, snapshot.reason):
        return None
    if snapshot.evidence_count + attempt.command.added_evidence > 0:
        return None
    return Refusal(
        "evidence_required",
        Text(N_("Add at least one photo: this reason needs evidence.")),
    )


def serial_held(serial: str, holder: HeldSerial) -> Refusal:
    """The words for a unit another request holds; the form says them at step 1 as well."""
    if holder.appealable:
        return Refusal(
            "appeal_instead",
            Text(
                N_(
                    "Serial number %(serial)s is on return request %(rma)s, which was rejected. Please appeal that decision instead of filing a new request."
                ),
                {"serial": serial, "rma": holder.rma},
            ),
        )
    return Refusal(
        "already_returned",
        Text(
            N_("Serial number %(serial)s is already on return request %(rma)s."),
            {"serial": serial, "rma": holder.rma},
        ),
    )


def serials_not_returned(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    for item in snapshot.items:
        holder = snapshot.serial_holders.get(item.serial_number or "")
        if item.serial_number and holder is not None:
            return serial_held(item.serial_number, holder)
    return None


def message_given(attempt: Attempt) -> Refusal | None:
    if attempt.command.message.strip():
        return None
    return Refusal("message_required", Text(N_("Please write a message; this step needs one.")))


def answer_given(attempt: Attempt) -> Refusal | None:
    command = attempt.command
    if command.message.strip() or command.added_evidence > 0:
        return None
    return Refusal(
        "answer_required",
        Text(N_("Answer the question or add new evidence before sending the request back.")),
    )


def reason_code_given(attempt: Attempt) -> Refusal | None:
    if attempt.command.reason_code.strip() in REJECTION_REASONS:
        return None
    return Refusal("reason_code_required", Text(N_("Choose the reason for this decision.")))


def fee_payer_known(attempt: Attempt) -> Refusal | None:
    snapshot = attempt.snapshot
    if fee_payer_for(snapshot.policy, snapshot.reason) or attempt.command.fee_payer:
        return None
    return Refusal("fee_payer_required", Text(N_("Choose who pays the return shipping.")))


def tracking_given(attempt: Attempt) -> Refusal | None:
    command = attempt.command
    if command.carrier.strip() and command.tracking_number.strip():
        return None
    return Refusal("tracking_required", Text(N_("Enter the carrier and the tracking number.")))


def serials_confirmed(attempt: Attempt) -> Refusal | None:
    confirmed = {serial.strip().upper() for serial in attempt.command.confirmed_serials}
    for item in attempt.snapshot.items:
        if item.serial_number and item.serial_number.strip().upper() not in confirmed:
            return Refusal(
                "serial_mismatch",
                Text(
                    N_("Serial number %(serial)s was not found on the returned goods."),
                    {"serial": item.serial_number},
                ),
            )
    return None


def checklist_complete(attempt: Attempt) -> Refusal | None:
    missing = missing_checks(attempt.command.checklist)
    if not missing:
        return None
    return Refusal(
        "checklist_incomplete",
        Text(
            N_("Confirm every inspection check before passing: %(check_label)s is not confirmed."),
            {"check_label": CHECKLIST[missing[0]]},
        ),
    )


def every_item_accounted(attempt: Attempt) -> Refusal | None:
    """Receipt says, for every item, whether it arrived, is missing or came damaged: a parcel
    that lacks an item is recorded as such, never passed over in silence."""
    said = {item_id for item_id, _found in attempt.command.receipts}
    if all(item.order_item_id in said for item in attempt.snapshot.items):
        return None
    return Refusal(
        "receipt_incomplete",
        Text(N_("Say for every item whether it arrived, is missing or came damaged.")),
    )


def receipt_in_order(attempt: Attempt) -> Refusal | None:
    if not attempt.snapshot.receipt_problem:
        return None
    return Refusal(
        "receipt_problem",
        Text(
            N_(
                "An item was missing or damaged in transit when the parcel arrived: this "
                "request cannot pass inspection. Fail it with photos, so the merchant may appeal."
            )
        ),
    )


def replacement_serial_valid(attempt: Attempt) -> Refusal | None:
    """The new unit of an exchange is named by a serial number of the shape units carry, and is
    not one of the units coming back."""
    serial = normalise_serial(attempt.command.replacement_serial)
    returned = {normalise_serial(i.serial_number or "") for i in attempt.snapshot.items}
    has_serial = any(item.serial_number for item in attempt.snapshot.items)
    if not has_serial and not serial:
        return None  # an accessory without an SN: nothing to record
    if not SERIAL_SHAPE.fullmatch(serial):
        return Refusal(
            "replacement_serial_required",
            Text(N_("Enter the serial number of the new unit (4 to 64 letters and digits).")),
        )
    if serial in returned:
        return Refusal(
            "replacement_is_returned_unit",
            Text(
                N_("%(serial)s is the unit coming back; enter the new unit's."), {"serial": serial}
            ),
        )
    return None


def photos_attached(attempt: Attempt) -> Refusal | None:
    if attempt.command.added_evidence >= 1:
        return None
    return Refusal("photos_required", Text(N_("Attach at least one photo of what failed.")))


def payment_reference_given(attempt: Attempt) -> Refusal | None:
    if attempt.command.payment_reference.strip():
        return None
    return Refusal(
        "payment_reference_required", Text(N_("Enter the payment reference of the refund."))
    )


def invoice_reversal_given(attempt: Attempt) -> Refusal | None:
    if not attempt.snapshot.invoice_issued or attempt.command.invoice_reversal.strip():
        return None
    return Refusal(
        "invoice_reversal_required",
        Text(N_("An invoice was issued for this order: enter the reference of its reversal.")),
    )
