"""The transition table as a whole: who may act, what is offered, and the words for states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_samples import (
    ALL_CHECKS,
    ALL_RECEIVED,
    COUNTER,
    FINANCE,
    INSPECTOR,
    MERCHANT,
    NOW,
    OTHER_MERCHANT,
    OTHER_PARTNER,
    OTHER_SUPERVISOR,
    REVIEWER,
    SUPERVISOR,
    SYSTEM,
    TRACKING,
    decided,
    draft,
    inspection_appeal,
    refused,
    request,
)

from domain.labels import ACTION_LABELS, WRONG_STATE, next_step
from domain.lifecycle import (
    NEXT_STEP,
    STATE_LABELS,
    STATE_TONE,
    TRANSITIONS,
    Action,
    Actor,
    Command,
    Resolution,
    ReturnSnapshot,
    State,
    Transition,
    allowed_actions,
    apply,
    decide,
)

# -- who may act --


def test_merchant_cannot_act_on_another_merchants_request():
    refusal = refused(request(State.SUBMITTED), Command(Action.CANCEL), OTHER_MERCHANT)
    assert refusal.code == "not_yours"


def test_partner_acts_only_for_its_own_merchant():
    assert refused(draft(), Command(Action.SUBMIT), OTHER_PARTNER).code == "not_yours"


def test_merchant_cannot_approve_their_own_request():
    assert refused(request(State.SUBMITTED), Command(Action.APPROVE), MERCHANT).code == (
        "role_not_allowed"
    )


def test_counter_staff_cannot_cancel():
    assert refused(request(State.SUBMITTED), Command(Action.CANCEL), COUNTER).code == (
        "role_not_allowed"
    )


def test_every_decision_records_who_when_from_and_to():
    decision = decided(request(State.SUBMITTED), Command(Action.ASK_INFO, " Which SN? "), REVIEWER)
    event = decision.event
    assert (event.action, event.from_state, event.to_state) == (
        Action.ASK_INFO,
        State.SUBMITTED,
        State.NEEDS_INFO,
    )
    assert (event.actor, event.at, event.message) == (REVIEWER, NOW, "Which SN?")


def test_deciding_needs_a_timezone_aware_time():
    with pytest.raises(ValueError, match="timezone"):
        decide(draft(), Command(Action.SUBMIT), MERCHANT, NOW.replace(tzinfo=None))


# -- allowed_actions, apply --


def test_reviewer_is_offered_the_three_review_decisions():
    offered = allowed_actions(request(State.SUBMITTED), REVIEWER, NOW)
    assert offered == (Action.ASK_INFO, Action.APPROVE, Action.REJECT)


def test_merchant_is_offered_an_appeal_only_while_the_window_is_open():
    snapshot = request(State.REJECTED)
    assert allowed_actions(snapshot, MERCHANT, NOW) == (Action.APPEAL,)
    late = snapshot.appeal_deadline + timedelta(seconds=1)
    assert allowed_actions(snapshot, MERCHANT, late) == ()


def test_the_first_decider_is_not_offered_the_appeal():
    snapshot = request(State.APPEALED, decided_by=SUPERVISOR.id)
    assert allowed_actions(snapshot, SUPERVISOR, NOW) == ()
    assert allowed_actions(snapshot, OTHER_SUPERVISOR, NOW) == (Action.UPHOLD, Action.OVERTURN)


def test_another_merchant_is_offered_nothing():
    assert allowed_actions(draft(), OTHER_MERCHANT, NOW) == ()


def test_apply_sets_the_new_state_the_changes_and_the_next_version():
    snapshot = request(State.SUBMITTED)
    decision = decided(snapshot, Command(Action.APPROVE), REVIEWER)
    after = apply(snapshot, decision)
    assert (after.state, after.version) == (State.APPROVED, snapshot.version + 1)
    assert after.ship_by == NOW + timedelta(days=14)
    assert after.submitted_at == snapshot.submitted_at


def test_apply_refuses_a_discarded_draft():
    with pytest.raises(ValueError, match="discarded"):
        apply(draft(), decided(draft(), Command(Action.DISCARD), MERCHANT))


# -- the table as a whole --

# one accepted attempt per row of TRANSITIONS, in table order
EVERY_ROW: tuple[tuple[ReturnSnapshot, Command, Actor], ...] = (
    (draft(), Command(Action.DISCARD), MERCHANT),
    (draft(), Command(Action.SUBMIT), MERCHANT),
    (request(State.SUBMITTED), Command(Action.ASK_INFO, "?"), REVIEWER),
    (request(State.NEEDS_INFO), Command(Action.RESUBMIT, "!"), MERCHANT),
    (request(State.SUBMITTED), Command(Action.APPROVE), REVIEWER),
    (request(State.SUBMITTED), Command(Action.REJECT, "no", reason_code="other"), REVIEWER),
    (request(State.REJECTED), Command(Action.APPEAL, "why"), MERCHANT),
    (request(State.INSPECTION_FAILED), Command(Action.ACCEPT), MERCHANT),
    (request(State.APPEALED), Command(Action.UPHOLD, "stands"), SUPERVISOR),
    (request(State.APPEALED), Command(Action.OVERTURN, "wrong"), SUPERVISOR),
    (inspection_appeal(), Command(Action.UPHOLD, "stands"), SUPERVISOR),
    (inspection_appeal(), Command(Action.OVERTURN, "ok"), SUPERVISOR),
    (inspection_appeal(Resolution.EXCHANGE), Command(Action.OVERTURN, "ok"), SUPERVISOR),
    (request(State.SUBMITTED), Command(Action.CANCEL), MERCHANT),
    (request(State.APPROVED), Command(Action.EXPIRE), SYSTEM),
    (request(State.APPROVED), Command(Action.SHIP, **TRACKING), MERCHANT),
    (request(State.IN_TRANSIT), Command(Action.RECEIVE, receipts=ALL_RECEIVED), INSPECTOR),
    (
        request(State.RECEIVED),
        Command(Action.INSPECT_PASS, confirmed_serials=("SN1001",), checklist=ALL_CHECKS),
        INSPECTOR,
    ),
    (
        request(State.RECEIVED, resolution=Resolution.EXCHANGE),
        Command(Action.INSPECT_PASS, confirmed_serials=("SN1001",), checklist=ALL_CHECKS),
        INSPECTOR,
    ),
    (request(State.RECEIVED), Command(Action.INSPECT_FAIL, "wet", added_evidence=1), INSPECTOR),
    (
        request(State.REPLACEMENT_PENDING),
        Command(Action.SHIP_REPLACEMENT, replacement_serial="SN2002", **TRACKING),
        INSPECTOR,
    ),
    (
        request(State.INSPECTION_FAILED, outcome_accepted=True),
        Command(Action.RETURN_TO_MERCHANT, **TRACKING),
        INSPECTOR,
    ),
    (request(State.REFUND_PENDING), Command(Action.REFUND, payment_reference="B1"), FINANCE),
    (request(State.REFUNDED), Command(Action.CLOSE), SYSTEM),
    (request(State.REJECTED), Command(Action.CLOSE), SYSTEM),
    (request(State.REJECTED_FINAL), Command(Action.CLOSE), SYSTEM),
)
LATER = NOW + timedelta(days=20)  # past every ship-by, appeal and close date above


def test_every_row_of_the_table_has_an_accepted_example():
    assert len(EVERY_ROW) == len(TRANSITIONS)


@pytest.mark.parametrize(
    ("row", "attempt"),
    list(zip(TRANSITIONS, EVERY_ROW, strict=True)),
    ids=[f"{t.action}-{t.from_states[0]}-{t.to_state}" for t in TRANSITIONS],
)
def test_each_row_takes_the_request_where_the_table_says(row: Transition, attempt):
    snapshot, command, actor = attempt
    # the row's own time guards decide whether to use the later clock; the early one suits the rest
    now = LATER if row.action in {Action.EXPIRE, Action.CLOSE} else NOW
    decision = decided(snapshot, command, actor, now=now)
    assert (decision.event.action, decision.new_state) == (row.action, row.to_state)
    assert decision.event.from_state in row.from_states


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_row_a_label_and_a_wrong_state_message(action):
    assert any(row.action is action for row in TRANSITIONS)
    assert ACTION_LABELS[action]
    assert "%(state)s" in WRONG_STATE[action]


@pytest.mark.parametrize("state", list(State))
def test_every_state_has_words_a_next_step_and_a_tone(state):
    assert STATE_LABELS[state]
    assert NEXT_STEP[state]
    assert STATE_TONE[state] in {"warning", "info", "success", "danger", "muted"}


def test_tones_follow_who_the_request_waits_on():
    assert STATE_TONE[State.NEEDS_INFO] == "warning"
    assert STATE_TONE[State.SUBMITTED] == "info"
    assert STATE_TONE[State.REFUNDED] == "success"
    assert STATE_TONE[State.EXPIRED] == "danger"
    assert STATE_TONE[State.CANCELLED] == "muted"


def test_next_step_carries_the_deadline_that_applies():
    snapshot = request(State.APPROVED)
    text = next_step(snapshot)
    assert text.params == {"ship_by": snapshot.ship_by}


def test_next_step_after_a_final_inspection_says_the_goods_come_back():
    text = next_step(request(State.INSPECTION_FAILED, inspection_failed_final=True))
    assert "send the goods back" in text.msgid
    assert text.params == {}


def test_refusal_messages_are_translatable_ids():
    for snapshot, command, actor in [
        (request(State.IN_TRANSIT), Command(Action.CANCEL), MERCHANT),
        (request(State.SUBMITTED), Command(Action.APPROVE), MERCHANT),
        (request(State.SUBMITTED), Command(Action.CANCEL), OTHER_MERCHANT),
    ]:
        refusal = refused(snapshot, command, actor)
        assert refusal.message.msgid[0].isupper()
        assert refusal.message.msgid.endswith(".")


@pytest.mark.parametrize(
    "row", [t for t in TRANSITIONS if t.to_state not in (None, *t.from_states)], ids=str
)
def test_every_state_change_lands_in_the_merchants_notification_centre(row) -> None:  # type: ignore[no-untyped-def]
    assert "in_app" in row.notify, f"{row.action} from {row.from_states} tells the merchant nothing"
