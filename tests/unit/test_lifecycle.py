"""Submitting, reviewing and appealing a return request: each row and each refusal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lifecycle_samples import (
    COUNTER,
    MERCHANT,
    NOW,
    ORDER_COMPLETED,
    OTHER_COUNTER,
    OTHER_SUPERVISOR,
    PARTNER,
    REVIEWER,
    SMS,
    SUPERVISOR,
    decided,
    draft,
    inspection_appeal,
    notify,
    refused,
    request,
    webhook,
)

from domain.lifecycle import (
    Action,
    Actor,
    AppealOf,
    Changes,
    Command,
    Effect,
    EffectKind,
    FeePayer,
    HeldSerial,
    Reason,
    Resolution,
    Role,
    State,
    apply,
)
from domain.money import Money

# -- discard / submit --


def test_merchant_discards_a_draft_and_nothing_is_kept():
    decision = decided(draft(), Command(Action.DISCARD), MERCHANT)
    assert decision.new_state is None
    assert decision.effects == ()
    assert decision.event.to_state is None


def test_merchant_submits_a_draft_and_review_is_due_in_a_day():
    decision = decided(draft(), Command(Action.SUBMIT), MERCHANT)
    assert decision.new_state is State.SUBMITTED
    assert decision.changes == Changes(submitted_at=NOW, review_due_at=NOW + timedelta(hours=24))
    assert decision.effects == (
        Effect(EffectKind.KEEP_FACTS, "order"),
        Effect(EffectKind.CLAIM_SERIALS, "serials"),
        notify(Action.SUBMIT, SMS),
        webhook("return.submitted"),
    )


@pytest.mark.parametrize("actor", [COUNTER, PARTNER], ids=["counter", "partner"])
def test_counter_staff_and_partners_submit_for_a_merchant(actor):
    assert decided(draft(), Command(Action.SUBMIT), actor).new_state is State.SUBMITTED


def test_submit_without_items_is_refused():
    assert refused(draft(items=()), Command(Action.SUBMIT), MERCHANT).code == "items_required"


def test_submit_without_a_reason_is_refused():
    assert refused(draft(reason=None), Command(Action.SUBMIT), MERCHANT).code == "reason_required"


def test_submit_outside_window_says_when_it_closed():
    late = NOW + timedelta(days=25)
    refusal = refused(draft(), Command(Action.SUBMIT), MERCHANT, now=late)
    assert refusal.code == "window_closed"
    assert refusal.message.params["closes_at"] == ORDER_COMPLETED + timedelta(days=30)
    assert "closed on %(closes_at)s" in refusal.message.msgid


def test_the_shortest_item_window_decides():
    policy = replace(draft().policy, return_window_days={"terminal": 30, "accessory": 7})
    refusal = refused(draft(policy=policy), Command(Action.SUBMIT), MERCHANT)
    assert refusal.code == "window_closed"
    assert refusal.message.params["closes_at"] == ORDER_COMPLETED + timedelta(days=7)


def test_supervisor_overrides_a_closed_window_with_a_reason():
    command = Command(Action.SUBMIT, override_window=True, message="Courier lost the first parcel")
    decision = decided(draft(), command, SUPERVISOR, now=NOW + timedelta(days=25))
    assert decision.new_state is State.SUBMITTED
    assert decision.event.message == "Courier lost the first parcel"


def test_window_override_needs_a_reason():
    command = Command(Action.SUBMIT, override_window=True)
    refusal = refused(draft(), command, SUPERVISOR, now=NOW + timedelta(days=25))
    assert refusal.code == "message_required"


def test_merchant_cannot_override_the_window():
    command = Command(Action.SUBMIT, override_window=True, message="please")
    refusal = refused(draft(), command, MERCHANT, now=NOW + timedelta(days=25))
    assert refusal.code == "window_closed"


def test_quality_defect_without_photos_is_refused():
    refusal = refused(draft(evidence_count=0), Command(Action.SUBMIT), MERCHANT)
    assert refusal.code == "evidence_required"


def test_photos_added_with_the_submit_count_as_evidence():
    command = Command(Action.SUBMIT, added_evidence=2)
    assert decided(draft(evidence_count=0), command, MERCHANT).new_state is State.SUBMITTED


def test_change_of_mind_needs_no_photos():
    snapshot = draft(reason=Reason.CHANGE_OF_MIND, evidence_count=0)
    assert decided(snapshot, Command(Action.SUBMIT), MERCHANT).new_state is State.SUBMITTED


def test_a_serial_number_already_returned_is_refused_by_name_and_request():
    holder = HeldSerial("RD2611-7K3M-Q9XP", State.IN_TRANSIT, appealable=False)
    snapshot = draft(serial_holders={"SN1001": holder})
    refusal = refused(snapshot, Command(Action.SUBMIT), MERCHANT)
    assert refusal.code == "already_returned"
    assert refusal.message.params == {"serial": "SN1001", "rma": "RD2611-7K3M-Q9XP"}


def test_a_unit_whose_rejection_can_still_be_appealed_is_appealed_not_filed_again():
    holder = HeldSerial("RD2611-7K3M-Q9XP", State.REJECTED, appealable=True)
    refusal = refused(draft(serial_holders={"SN1001": holder}), Command(Action.SUBMIT), MERCHANT)
    assert refusal.code == "appeal_instead"
    assert "appeal that decision" in refusal.message.msgid


def test_counter_staff_submit_only_what_their_own_outlet_registered():
    assert refused(draft(), Command(Action.SUBMIT), OTHER_COUNTER).code == "not_yours"
    assert refused(draft(outlet_id=None), Command(Action.SUBMIT), COUNTER).code == "not_yours"


def test_a_partner_client_acts_only_on_requests_filed_through_it():
    other_client = Actor(Role.PARTNER, "partner:99", merchant_id=1)
    assert refused(draft(), Command(Action.SUBMIT), other_client).code == "not_yours"


# -- review --


def test_reviewer_asks_for_information_and_the_merchant_gets_an_sms():
    decision = decided(request(State.SUBMITTED), Command(Action.ASK_INFO, "Photo of SN?"), REVIEWER)
    assert decision.new_state is State.NEEDS_INFO
    assert notify(Action.ASK_INFO, SMS) in decision.effects
    assert decision.event.message == "Photo of SN?"


def test_asking_for_information_needs_a_message():
    refusal = refused(request(State.SUBMITTED), Command(Action.ASK_INFO, "  "), REVIEWER)
    assert refusal.code == "message_required"


def test_resubmit_goes_back_to_review_and_keeps_the_original_deadline():
    snapshot = request(State.NEEDS_INFO)
    decision = decided(snapshot, Command(Action.RESUBMIT, "Added the SN photo"), MERCHANT)
    assert decision.new_state is State.SUBMITTED
    assert decision.changes == Changes()
    assert apply(snapshot, decision).review_due_at == snapshot.review_due_at


def test_new_evidence_alone_answers_the_question():
    decision = decided(
        request(State.NEEDS_INFO), Command(Action.RESUBMIT, added_evidence=1), PARTNER
    )
    assert decision.new_state is State.SUBMITTED


def test_resubmit_without_an_answer_is_refused():
    refusal = refused(request(State.NEEDS_INFO), Command(Action.RESUBMIT), MERCHANT)
    assert refusal.code == "answer_required"


def test_approval_sets_fee_payer_from_policy_and_ship_by_date():
    decision = decided(request(State.SUBMITTED, fee_payer=None), Command(Action.APPROVE), REVIEWER)
    assert decision.new_state is State.APPROVED
    assert decision.changes == Changes(
        fee_payer=FeePayer.PLATFORM, ship_by=NOW + timedelta(days=14)
    )
    assert decision.effects == (
        notify(Action.APPROVE, SMS),
        Effect(EffectKind.DOCUMENT, "authorization"),
        webhook("return.approved"),
    )


def test_approving_change_of_mind_makes_the_merchant_pay_shipping():
    snapshot = request(State.SUBMITTED, reason=Reason.CHANGE_OF_MIND)
    command = Command(Action.APPROVE, fee_payer=FeePayer.PLATFORM)  # the policy wins
    assert decided(snapshot, command, SUPERVISOR).changes.fee_payer is FeePayer.MERCHANT


def test_approving_reason_other_needs_the_reviewer_to_choose_who_pays():
    snapshot = request(State.SUBMITTED, reason=Reason.OTHER)
    assert refused(snapshot, Command(Action.APPROVE), REVIEWER).code == "fee_payer_required"
    chosen = decided(snapshot, Command(Action.APPROVE, fee_payer=FeePayer.MERCHANT), REVIEWER)
    assert chosen.changes.fee_payer is FeePayer.MERCHANT


def test_rejection_records_decider_and_appeal_deadline():
    command = Command(Action.REJECT, "The scratches are wear", reason_code="damage_by_use")
    decision = decided(request(State.SUBMITTED), command, REVIEWER)
    assert decision.new_state is State.REJECTED
    assert decision.changes == Changes(
        rejected_at=NOW, appeal_deadline=NOW + timedelta(days=15), decided_by=REVIEWER.id
    )
    assert decision.event.reason_code == "damage_by_use"
    assert notify(Action.REJECT, SMS) in decision.effects


def test_rejection_needs_a_reason_code():
    refusal = refused(request(State.SUBMITTED), Command(Action.REJECT, "No"), REVIEWER)
    assert refusal.code == "reason_code_required"


def test_rejection_needs_a_message():
    command = Command(Action.REJECT, reason_code="damage_by_use")
    assert refused(request(State.SUBMITTED), command, REVIEWER).code == "message_required"


# -- appeals --


def test_merchant_appeals_a_rejection_within_the_window():
    decision = decided(
        request(State.REJECTED), Command(Action.APPEAL, "It arrived broken"), MERCHANT
    )
    assert decision.new_state is State.APPEALED
    assert decision.changes == Changes(
        appeal_of=AppealOf.REJECTION,
        appealed=frozenset({AppealOf.REJECTION}),
        appealed_at=NOW,
        appeal_due_at=NOW + timedelta(hours=48),
    )


def test_appeal_after_the_deadline_says_when_it_closed():
    snapshot = request(State.REJECTED)
    late = snapshot.appeal_deadline + timedelta(minutes=1)
    refusal = refused(snapshot, Command(Action.APPEAL, "Late"), MERCHANT, now=late)
    assert refusal.code == "appeal_window_closed"
    assert refusal.message.params == {"appeal_deadline": snapshot.appeal_deadline}


def test_a_rejection_can_be_appealed_only_once():
    snapshot = request(State.REJECTED, appealed=frozenset({AppealOf.REJECTION}))
    assert refused(snapshot, Command(Action.APPEAL, "Again"), MERCHANT).code == "already_appealed"


def test_appeal_needs_a_statement():
    assert (
        refused(request(State.REJECTED), Command(Action.APPEAL), MERCHANT).code
        == "message_required"
    )


def test_a_failed_inspection_can_be_appealed_after_an_appealed_rejection():
    snapshot = request(State.INSPECTION_FAILED, appealed=frozenset({AppealOf.REJECTION}))
    decision = decided(snapshot, Command(Action.APPEAL, "The SN is right"), MERCHANT)
    assert decision.changes.appeal_of is AppealOf.INSPECTION
    assert decision.changes.appealed == frozenset(AppealOf)


def test_a_final_inspection_decision_cannot_be_appealed():
    snapshot = request(State.INSPECTION_FAILED, inspection_failed_final=True)
    assert refused(snapshot, Command(Action.APPEAL, "Again"), MERCHANT).code == "already_appealed"


def test_another_supervisor_upholds_a_rejection():
    decision = decided(
        request(State.APPEALED), Command(Action.UPHOLD, "Wear, not a defect"), SUPERVISOR
    )
    assert decision.new_state is State.REJECTED_FINAL
    assert notify(Action.UPHOLD, SMS) in decision.effects


def test_overturning_a_rejection_approves_as_a_reviewer_would():
    snapshot = request(State.APPEALED)
    decision = decided(snapshot, Command(Action.OVERTURN, "Defect confirmed"), SUPERVISOR)
    assert decision.new_state is State.APPROVED
    assert decision.changes == Changes(
        fee_payer=FeePayer.PLATFORM, ship_by=NOW + timedelta(days=14)
    )
    assert Effect(EffectKind.DOCUMENT, "authorization") in decision.effects


def test_overturning_a_rejection_for_reason_other_needs_a_fee_payer():
    snapshot = request(State.APPEALED, reason=Reason.OTHER)
    refusal = refused(snapshot, Command(Action.OVERTURN, "Fair point"), SUPERVISOR)
    assert refusal.code == "fee_payer_required"


def test_upholding_a_failed_inspection_makes_it_final():
    decision = decided(inspection_appeal(), Command(Action.UPHOLD, "Liquid damage"), SUPERVISOR)
    assert decision.new_state is State.INSPECTION_FAILED
    assert decision.changes == Changes(inspection_failed_final=True)


def test_overturning_a_failed_inspection_computes_the_refund_and_unbinds_the_terminal():
    decision = decided(inspection_appeal(), Command(Action.OVERTURN, "SN matches"), SUPERVISOR)
    assert decision.new_state is State.REFUND_PENDING
    assert decision.changes == Changes(
        refund_amount=Money(134000), refund_due_by=NOW + timedelta(days=7)
    )
    assert Effect(EffectKind.UNBIND_TERMINAL, "terminal") in decision.effects


def test_overturning_a_failed_inspection_of_an_exchange_prepares_a_replacement():
    snapshot = inspection_appeal(Resolution.EXCHANGE)
    decision = decided(snapshot, Command(Action.OVERTURN, "SN matches"), SUPERVISOR)
    assert decision.new_state is State.REPLACEMENT_PENDING
    assert decision.changes.refund_amount is None


@pytest.mark.parametrize("action", [Action.UPHOLD, Action.OVERTURN])
def test_reviewer_cannot_decide_an_appeal(action):
    refusal = refused(request(State.APPEALED), Command(action, "Looks fine"), REVIEWER)
    assert refusal.code == "role_not_allowed"


def test_the_first_decider_never_decides_the_appeal():
    snapshot = request(State.APPEALED, decided_by=SUPERVISOR.id)
    refusal = refused(snapshot, Command(Action.OVERTURN, "I was wrong"), SUPERVISOR)
    assert refusal.code == "same_decider"
    assert decided(snapshot, Command(Action.OVERTURN, "Agreed"), OTHER_SUPERVISOR)


def test_deciding_an_appeal_needs_a_reason():
    assert (
        refused(request(State.APPEALED), Command(Action.UPHOLD), SUPERVISOR).code
        == "message_required"
    )
