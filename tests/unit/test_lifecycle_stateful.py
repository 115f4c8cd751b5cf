"""Random actors, commands and a moving clock never take a request outside the table."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from lifecycle_samples import (
    ALL_CHECKS,
    ALL_RECEIVED,
    CABLE,
    COUNTER,
    FINANCE,
    INSPECTOR,
    MERCHANT,
    NOW,
    OTHER_MERCHANT,
    OTHER_PARTNER,
    OTHER_REVIEWER,
    OTHER_SUPERVISOR,
    PARTNER,
    REVIEWER,
    SUPERVISOR,
    SYSTEM,
    TERMINAL,
    draft,
)

from domain.lifecycle import (
    TRANSITIONS,
    Action,
    Actor,
    Command,
    Decision,
    FeePayer,
    HeldSerial,
    Reason,
    Refusal,
    Resolution,
    ReturnSnapshot,
    State,
    allowed_actions,
    apply,
    decide,
)
from domain.money import Money
from domain.terms import ItemReceipt

ACTORS = (
    MERCHANT,
    OTHER_MERCHANT,
    PARTNER,
    OTHER_PARTNER,
    COUNTER,
    REVIEWER,
    OTHER_REVIEWER,
    SUPERVISOR,
    OTHER_SUPERVISOR,
    INSPECTOR,
    FINANCE,
    SYSTEM,
)
EDGES = {(state, row.action, row.to_state) for row in TRANSITIONS for state in row.from_states}
REACHABLE = {State.DRAFT} | {row.to_state for row in TRANSITIONS if row.to_state is not None}
# refusals that mean "this action is not for you here and now", which allowed_actions predicts
NOT_OFFERED = {
    "role_not_allowed",
    "not_yours",
    "wrong_state",
    "appeal_window_closed",
    "already_appealed",
    "same_decider",
    "not_due",
    "over_refund",
    "outcome_accepted",
    "appeal_still_open",
}

drafts = st.builds(
    draft,
    resolution=st.sampled_from(Resolution),
    # repeated choices weight the draw: mostly submittable drafts, so runs get past submit
    reason=st.sampled_from([*Reason, *Reason, None]),
    items=st.sampled_from([(TERMINAL, CABLE), (TERMINAL,), (CABLE,)] * 3 + [()]),
    order_completed_at=st.integers(0, 40).map(lambda days: NOW - timedelta(days=days)),
    paid_total=st.sampled_from([134000, 100000, 0, 200000]).map(Money),
    evidence_count=st.sampled_from([1, 0, 2]),
    serial_holders=st.sampled_from(
        [{}] * 5 + [{"SN1001": HeldSerial("RD2611-7K3M-Q9XP", State.SUBMITTED, appealable=False)}]
    ),
    fee_payer=st.just(None),
    shipping_advanced=st.integers(0, 3000).map(Money),
    invoice_issued=st.booleans(),
)
commands = st.fixed_dictionaries(
    {
        "message": st.sampled_from(["", "Please see the photos"]),
        "reason_code": st.sampled_from(["", "damage_by_use"]),
        "fee_payer": st.sampled_from([None, *FeePayer]),
        "carrier": st.sampled_from(["", "SF Express"]),
        "tracking_number": st.sampled_from(["", "SF1234567890"]),
        "added_evidence": st.integers(0, 2),
        "payment_reference": st.sampled_from(["", "BANK-1"]),
        "invoice_reversal": st.sampled_from(["", "FP-REV-1"]),
        "override_window": st.booleans(),
        "receipts": st.sampled_from([(), ALL_RECEIVED, ((1, ItemReceipt.MISSING),)]),
    }
)
FILLED: dict[str, object] = {
    "message": "Please see the photos",
    "reason_code": "damage_by_use",
    "carrier": "SF Express",
    "tracking_number": "SF1234567890",
    "added_evidence": 1,
    "payment_reference": "BANK-1",
    "invoice_reversal": "FP-REV-1",
    "receipts": ALL_RECEIVED,
    "replacement_serial": "SN2002",
}
GIVING_UP = {Action.DISCARD, Action.CANCEL}
ENDS = REACHABLE - {state for row in TRANSITIONS for state in row.from_states}


def complete_command(action: Action, fields: dict[str, object], items, confirm: bool) -> Command:
    serials = tuple(item.serial_number for item in items if item.serial_number) if confirm else ()
    checks = ALL_CHECKS if confirm else ()
    return Command(action, confirmed_serials=serials, checklist=checks, **fields)


class ReturnRequestMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.snapshot: ReturnSnapshot
        self.fresh: ReturnSnapshot
        self.now = NOW

    @initialize(snapshot=drafts)
    def start(self, snapshot: ReturnSnapshot) -> None:
        self.snapshot = self.fresh = snapshot

    @rule(hours=st.integers(0, 24 * 20))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(
        actor=st.sampled_from(ACTORS),
        action=st.sampled_from(Action),
        fields=commands,
        confirm=st.booleans(),
    )
    def anyone_tries_anything(self, actor, action, fields, confirm) -> None:
        self.attempt(actor, complete_command(action, fields, self.snapshot.items, confirm))

    @rule(data=st.data(), fee_payer=st.sampled_from([None, *FeePayer]), override=st.booleans())
    def someone_moves_it_forward(self, data, fee_payer, override) -> None:
        # a well-filled command for an action someone is offered, so runs get deep into the table
        offers = {actor: allowed_actions(self.snapshot, actor, self.now) for actor in ACTORS}
        # giving up is left to anyone_tries_anything, or few runs would get past a draft
        actions = sorted({action for offered in offers.values() for action in offered} - GIVING_UP)
        if not actions:
            return
        action = data.draw(st.sampled_from(actions))
        actor = data.draw(
            st.sampled_from([a for a, offered in offers.items() if action in offered])
        )
        fields = FILLED | {"fee_payer": fee_payer, "override_window": override}
        self.attempt(actor, complete_command(action, fields, self.snapshot.items, confirm=True))

    def attempt(self, actor: Actor, command: Command) -> None:
        before = self.snapshot
        # repr reaches into every nested value, so it shows any change made in place
        before_in_full = repr(before)
        offered = allowed_actions(before, actor, self.now)
        result = decide(before, command, actor, self.now)
        assert repr(before) == before_in_full
        if isinstance(result, Refusal):
            if result.code in NOT_OFFERED:
                assert command.action not in offered, result
            return
        assert isinstance(result, Decision)
        assert command.action in offered
        assert result.event.from_state is before.state
        assert (before.state, command.action, result.new_state) in EDGES
        if command.action in {Action.UPHOLD, Action.OVERTURN}:
            assert actor.id != before.decided_by
        if result.new_state is None:
            self.start_another()  # discarded
            return
        self.snapshot = apply(before, result)
        assert self.snapshot.version == before.version + 1
        assert self.snapshot.state in REACHABLE
        if self.snapshot.state in ENDS:
            self.start_another()  # nothing more can happen to this one

    def start_another(self) -> None:
        """A new draft like the first, for an order completed as long before now as its was."""
        age = NOW - self.fresh.order_completed_at
        self.snapshot = replace(self.fresh, order_completed_at=self.now - age)

    @invariant()
    def state_is_reachable(self) -> None:
        assert self.snapshot.state in REACHABLE

    @invariant()
    def refund_never_exceeds_what_was_paid(self) -> None:
        amount = self.snapshot.refund_amount
        assert amount is None or amount <= self.snapshot.paid_total


ReturnRequestMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReturnRequestLifecycle = ReturnRequestMachine.TestCase
