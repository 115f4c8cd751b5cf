"""Shipping, receiving, inspecting, refunding and closing: each row and each refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lifecycle_samples import (
    ALL_CHECKS,
    ALL_RECEIVED,
    CABLE,
    COUNTER,
    FINANCE,
    IN_APP,
    INSPECTOR,
    MERCHANT,
    NOW,
    SMS,
    SYSTEM,
    TRACKING,
    decided,
    draft,
    notify,
    refused,
    request,
    webhook,
)

from domain.inspection import CHECKLIST
from domain.labels import WRONG_STATE
from domain.lifecycle import (
    Action,
    Changes,
    Command,
    Effect,
    EffectKind,
    FeePayer,
    Resolution,
    State,
    allowed_actions,
    apply,
)
from domain.money import Money

# -- cancel / expire / ship / receive --


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.NEEDS_INFO, State.APPROVED])
def test_merchant_cancels_before_shipping(state):
    decision = decided(request(state), Command(Action.CANCEL), MERCHANT)
    assert decision.new_state is State.CANCELLED
    if state is State.DRAFT:
        # a draft was never shared: no notification, no webhook with an empty RMA
        assert decision.effects == ()
    else:
        assert decision.effects == (
            Effect(EffectKind.RELEASE_SERIALS, "serials"),
            notify(Action.CANCEL, IN_APP),
            webhook("return.cancelled"),
        )


def test_discarding_a_draft_tells_no_one():
    assert decided(draft(), Command(Action.DISCARD), MERCHANT).effects == ()


def test_a_parcel_on_its_way_can_no_longer_be_cancelled():
    refusal = refused(request(State.IN_TRANSIT), Command(Action.CANCEL), MERCHANT)
    assert refusal.code == "wrong_state"
    assert refusal.message.msgid == WRONG_STATE[Action.CANCEL]
    assert refusal.message.params == {"state": State.IN_TRANSIT}


def test_system_expires_an_approval_after_the_ship_by_date():
    snapshot = request(State.APPROVED)
    after = snapshot.ship_by + timedelta(seconds=1)
    assert decided(snapshot, Command(Action.EXPIRE), SYSTEM, now=after).new_state is State.EXPIRED


def test_expiring_before_the_ship_by_date_is_not_due():
    snapshot = request(State.APPROVED)
    refusal = refused(snapshot, Command(Action.EXPIRE), SYSTEM, now=snapshot.ship_by)
    assert refusal.code == "not_due"
    assert refusal.message.params == {"due_at": snapshot.ship_by}


def test_merchant_ships_with_carrier_and_tracking_number():
    decision = decided(request(State.APPROVED), Command(Action.SHIP, **TRACKING), MERCHANT)
    assert decision.new_state is State.IN_TRANSIT
    assert decision.changes == Changes(shipped_at=NOW, **TRACKING)


def test_shipping_without_tracking_number_is_refused():
    command = Command(Action.SHIP, carrier="SF Express")
    assert refused(request(State.APPROVED), command, COUNTER).code == "tracking_required"


@pytest.mark.parametrize("state", [State.IN_TRANSIT, State.APPROVED])
def test_inspector_receives_a_parcel_with_or_without_tracking(state):
    decision = decided(request(state), Command(Action.RECEIVE, receipts=ALL_RECEIVED), INSPECTOR)
    assert decision.new_state is State.RECEIVED
    assert webhook("return.received") in decision.effects


# -- inspection --


def test_passed_inspection_computes_the_refund_and_unbinds_the_terminal():
    command = Command(Action.INSPECT_PASS, confirmed_serials=("sn1001 ",), checklist=ALL_CHECKS)
    decision = decided(request(State.RECEIVED), command, INSPECTOR)
    assert decision.new_state is State.REFUND_PENDING
    assert decision.changes == Changes(
        refund_amount=Money(134000), refund_due_by=NOW + timedelta(days=7)
    )
    assert decision.effects == (
        notify(Action.INSPECT_PASS, IN_APP),
        Effect(EffectKind.UNBIND_TERMINAL, "terminal"),
        webhook("terminal.unbound"),
        webhook("return.refund_pending"),
    )


def test_merchant_paid_shipping_is_taken_off_the_refund():
    snapshot = request(State.RECEIVED, fee_payer=FeePayer.MERCHANT, shipping_advanced=Money(2000))
    command = Command(Action.INSPECT_PASS, confirmed_serials=("SN1001",), checklist=ALL_CHECKS)
    assert decided(snapshot, command, INSPECTOR).changes.refund_amount == Money(132000)


def test_passed_inspection_of_an_exchange_prepares_a_replacement():
    snapshot = request(State.RECEIVED, resolution=Resolution.EXCHANGE)
    command = Command(Action.INSPECT_PASS, confirmed_serials=("SN1001",), checklist=ALL_CHECKS)
    decision = decided(snapshot, command, INSPECTOR)
    assert decision.new_state is State.REPLACEMENT_PENDING
    assert decision.changes == Changes()


def test_items_without_serial_numbers_unbind_nothing():
    snapshot = request(State.RECEIVED, items=(CABLE,), paid_total=Money(6000))
    decision = decided(snapshot, Command(Action.INSPECT_PASS, checklist=ALL_CHECKS), INSPECTOR)
    assert all(effect.kind is not EffectKind.UNBIND_TERMINAL for effect in decision.effects)


def test_inspection_refuses_a_serial_number_that_does_not_match():
    command = Command(Action.INSPECT_PASS, confirmed_serials=("SN9999",))
    refusal = refused(request(State.RECEIVED), command, INSPECTOR)
    assert refusal.code == "serial_mismatch"
    assert refusal.message.params == {"serial": "SN1001"}


def test_failed_inspection_opens_an_appeal_window():
    command = Command(Action.INSPECT_FAIL, "Liquid inside", added_evidence=3)
    decision = decided(request(State.RECEIVED), command, INSPECTOR)
    assert decision.new_state is State.INSPECTION_FAILED
    assert decision.changes == Changes(
        decided_by=INSPECTOR.id,
        appeal_deadline=NOW + timedelta(days=15),
        inspection_failed_final=False,
    )
    assert notify(Action.INSPECT_FAIL, SMS) in decision.effects


def test_failed_inspection_needs_photos():
    command = Command(Action.INSPECT_FAIL, "Liquid inside")
    assert refused(request(State.RECEIVED), command, INSPECTOR).code == "photos_required"


def test_failed_inspection_needs_a_reason():
    command = Command(Action.INSPECT_FAIL, added_evidence=1)
    assert refused(request(State.RECEIVED), command, INSPECTOR).code == "message_required"


def test_shipping_the_replacement_closes_the_request_and_names_the_new_unit():
    command = Command(Action.SHIP_REPLACEMENT, replacement_serial="sn 2002", **TRACKING)
    decision = decided(request(State.REPLACEMENT_PENDING), command, INSPECTOR)
    assert decision.new_state is State.CLOSED
    assert decision.changes == Changes(replacement_serial="SN2002", **TRACKING)


@pytest.mark.parametrize(
    ("serial", "code"),
    [("", "replacement_serial_required"), ("SN-1001", "replacement_is_returned_unit")],
)
def test_the_new_unit_has_a_serial_that_is_not_the_returned_one(serial, code):
    command = Command(Action.SHIP_REPLACEMENT, replacement_serial=serial, **TRACKING)
    assert refused(request(State.REPLACEMENT_PENDING), command, INSPECTOR).code == code


def test_replacement_needs_tracking():
    command = Command(Action.SHIP_REPLACEMENT, replacement_serial="SN2002", carrier="SF Express")
    refusal = refused(request(State.REPLACEMENT_PENDING), command, INSPECTOR)
    assert refusal.code == "tracking_required"


def test_sending_failed_goods_back_closes_the_request_once_the_merchant_accepted():
    command = Command(Action.RETURN_TO_MERCHANT, **TRACKING)
    snapshot = request(State.INSPECTION_FAILED, outcome_accepted=True)
    assert decided(snapshot, command, INSPECTOR).new_state is State.CLOSED


def test_failed_goods_stay_while_the_merchant_may_still_appeal():
    command = Command(Action.RETURN_TO_MERCHANT, **TRACKING)
    snapshot = request(State.INSPECTION_FAILED)
    refusal = refused(snapshot, command, INSPECTOR)
    assert refusal.code == "appeal_still_open"
    assert refusal.message.params == {"appeal_deadline": snapshot.appeal_deadline}
    later = snapshot.appeal_deadline + timedelta(seconds=1)
    assert decided(snapshot, command, INSPECTOR, now=later).new_state is State.CLOSED


def test_failed_goods_go_back_after_the_appeal_was_upheld():
    command = Command(Action.RETURN_TO_MERCHANT, **TRACKING)
    snapshot = request(State.INSPECTION_FAILED, inspection_failed_final=True)
    assert decided(snapshot, command, INSPECTOR).new_state is State.CLOSED


def test_merchant_accepts_a_failed_inspection_and_can_no_longer_appeal_it():
    snapshot = request(State.INSPECTION_FAILED)
    assert Action.ACCEPT in allowed_actions(snapshot, MERCHANT, NOW)
    decision = decided(snapshot, Command(Action.ACCEPT), MERCHANT)
    assert decision.new_state is State.INSPECTION_FAILED
    assert decision.changes == Changes(outcome_accepted=True)
    accepted = apply(snapshot, decision)
    assert allowed_actions(accepted, MERCHANT, NOW) == ()
    assert refused(accepted, Command(Action.APPEAL, "after all"), MERCHANT).code in {
        "outcome_accepted",
        "wrong_state",
    }


def test_a_pass_needs_every_inspection_check_confirmed():
    ticked = ALL_CHECKS[:-1]
    command = Command(Action.INSPECT_PASS, confirmed_serials=("SN1001",), checklist=ticked)
    refusal = refused(request(State.RECEIVED), command, INSPECTOR)
    assert refusal.code == "checklist_incomplete"
    assert refusal.message.params == {"check_label": CHECKLIST[ALL_CHECKS[-1]]}


# -- refund / close --


def test_finance_records_the_refund_and_a_receipt_is_made():
    command = Command(Action.REFUND, payment_reference="BANK-20261120-01")
    decision = decided(request(State.REFUND_PENDING), command, FINANCE)
    assert decision.new_state is State.REFUNDED
    assert decision.changes == Changes(refunded_at=NOW, payment_reference="BANK-20261120-01")
    assert decision.effects == (
        notify(Action.REFUND, SMS),
        Effect(EffectKind.DOCUMENT, "refund_receipt"),
        webhook("return.refunded"),
    )


def test_refund_needs_a_payment_reference():
    refusal = refused(request(State.REFUND_PENDING), Command(Action.REFUND), FINANCE)
    assert refusal.code == "payment_reference_required"


def test_refund_of_an_invoiced_order_needs_the_invoice_reversal():
    snapshot = request(State.REFUND_PENDING, invoice_issued=True)
    command = Command(Action.REFUND, payment_reference="BANK-1")
    assert refused(snapshot, command, FINANCE).code == "invoice_reversal_required"
    reversed_ = replace(command, invoice_reversal="FP-REV-9")
    assert decided(snapshot, reversed_, FINANCE).changes.invoice_reversal == "FP-REV-9"


def test_a_refund_is_never_more_than_was_paid():
    snapshot = request(State.REFUND_PENDING, refund_amount=Money(134001))
    refusal = refused(snapshot, Command(Action.REFUND, payment_reference="BANK-1"), FINANCE)
    assert refusal.code == "over_refund"
    assert refusal.message.params == {"amount": Money(134001), "paid": Money(134000)}


def test_a_refunded_request_closes_seven_days_on():
    snapshot = request(State.REFUNDED)
    due = snapshot.refunded_at + timedelta(days=7)
    assert refused(
        snapshot, Command(Action.CLOSE), SYSTEM, now=due - timedelta(seconds=1)
    ).code == ("not_due")
    assert decided(snapshot, Command(Action.CLOSE), SYSTEM, now=due).new_state is State.CLOSED


def test_a_rejection_closes_once_the_appeal_window_passed():
    snapshot = request(State.REJECTED)
    deadline = snapshot.appeal_deadline
    assert refused(snapshot, Command(Action.CLOSE), SYSTEM, now=deadline).code == "not_due"
    after = deadline + timedelta(seconds=1)
    assert decided(snapshot, Command(Action.CLOSE), SYSTEM, now=after).new_state is State.CLOSED


def test_a_final_rejection_closes_at_any_time():
    decision = decided(request(State.REJECTED_FINAL), Command(Action.CLOSE), SYSTEM)
    assert decision.new_state is State.CLOSED
    # in the notification centre, but no SMS for housekeeping
    assert decision.effects == (notify(Action.CLOSE, ("in_app",)), webhook("return.closed"))
