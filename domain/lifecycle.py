"""The lifecycle of a return request: the transition table and the one function that decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import datetime
from types import MappingProxyType

from domain.approvals import approver_allowed
from domain.changes import (
    accepted,
    appealed,
    approved,
    inspection_failed,
    parcel,
    queue_deadline,
    received,
    refund_computed,
    refunded,
    rejected,
    replacement_shipped,
    shipped,
    submitted,
    upheld_inspection,
)
from domain.guards import (
    Attempt,
    answer_given,
    appeal_window_passed,
    checklist_complete,
    every_item_accounted,
    evidence_attached,
    fee_payer_known,
    invoice_reversal_given,
    items_listed,
    message_given,
    not_accepted,
    not_yet_appealed,
    outcome_settled,
    payment_reference_given,
    photos_attached,
    reason_code_given,
    reason_given,
    receipt_in_order,
    refund_settled,
    replacement_serial_valid,
    serials_confirmed,
    serials_not_returned,
    ship_by_passed,
    someone_else_decided,
    tracking_given,
    window_open,
    within_appeal_window,
    within_limits,
    within_paid,
)
from domain.guards import not_theirs as not_theirs
from domain.labels import NEXT_STEP, STATE_LABELS, STATE_TONE, WRONG_STATE
from domain.request import (
    Actor,
    Changes,
    Command,
    Decision,
    Effect,
    EffectKind,
    Event,
    HeldSerial,
    ItemSnapshot,
    Refusal,
    ReturnSnapshot,
)
from domain.terms import Action, AppealOf, FeePayer, Reason, Resolution, Role, State
from domain.text import N_, Text
from domain.transition import Transition

__all__ = [
    "NEXT_STEP",
    "STATE_LABELS",
    "STATE_TONE",
    "TRANSITIONS",
    "Action",
    "Actor",
    "AppealOf",
    "Changes",
    "Command",
    "Decision",
    "Effect",
    "EffectKind",
    "Event",
    "FeePayer",
    "HeldSerial",
    "ItemSnapshot",
    "Reason",
    "Refusal",
    "Resolution",
    "ReturnSnapshot",
    "Role",
    "State",
    "Transition",
    "allowed_actions",
    "apply",
    "decide",
    "queue_deadline",
]


REVIEWERS = (Role.REVIEWER, Role.SUPERVISOR)
IN_APP = ("in_app",)
IN_APP_AND_SMS = ("in_app", "sms")  # DESIGN §6: what the merchant must act on or be told of
PASS_CHECKS = (receipt_in_order, serials_confirmed, checklist_complete)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Action.DISCARD, (State.DRAFT,), None,
        roles=(Role.MERCHANT,),
    ),
    Transition(
        Action.SUBMIT, (State.DRAFT,), State.SUBMITTED,
        roles=(Role.MERCHANT, Role.COUNTER, Role.PARTNER, Role.SUPERVISOR),
        requires=(items_listed, reason_given, window_open, evidence_attached, serials_not_returned),
        changes=submitted, notify=IN_APP_AND_SMS, claims_serials=True,
    ),
    Transition(
        Action.ASK_INFO, (State.SUBMITTED,), State.NEEDS_INFO,
        roles=REVIEWERS,
        requires=(message_given,), notify=IN_APP_AND_SMS,
    ),
    # the original review deadline is kept: asking a question does not buy the reviewer time
    Transition(
        Action.RESUBMIT, (State.NEEDS_INFO,), State.SUBMITTED,
        roles=(Role.MERCHANT, Role.PARTNER),
        requires=(answer_given,), notify=IN_APP,
    ),
    # the system (auto-approval) and counters only where the policy says: approver_allowed
    Transition(
        Action.APPROVE, (State.SUBMITTED,), State.APPROVED,
        roles=(*REVIEWERS, Role.SYSTEM, Role.COUNTER),
        when=(approver_allowed,), requires=(fee_payer_known,), changes=approved,
        notify=IN_APP_AND_SMS, documents=("authorization",),
    ),
    Transition(
        Action.REJECT, (State.SUBMITTED,), State.REJECTED,
        roles=REVIEWERS,
        requires=(reason_code_given, message_given), changes=rejected, notify=IN_APP_AND_SMS,
    ),
    Transition(
        Action.APPEAL, (State.REJECTED, State.INSPECTION_FAILED), State.APPEALED,
        roles=(Role.MERCHANT, Role.PARTNER),
        when=(within_appeal_window, not_yet_appealed, not_accepted),
        requires=(message_given,), changes=appealed, notify=IN_APP,
    ),
    # not a state change: the failed inspection stands and its goods may now go back
    Transition(
        Action.ACCEPT, (State.INSPECTION_FAILED,), State.INSPECTION_FAILED,
        roles=(Role.MERCHANT, Role.PARTNER),
        when=(within_appeal_window, not_yet_appealed, not_accepted),
        changes=accepted,
    ),
    Transition(
        Action.UPHOLD, (State.APPEALED,), State.REJECTED_FINAL,
        appeal_of=AppealOf.REJECTION,
        roles=(Role.SUPERVISOR,),
        when=(someone_else_decided,), requires=(message_given,), notify=IN_APP_AND_SMS,
        releases_serials=True,
    ),
    Transition(
        Action.OVERTURN, (State.APPEALED,), State.APPROVED,
        appeal_of=AppealOf.REJECTION,
        roles=(Role.SUPERVISOR,),
        when=(someone_else_decided,), requires=(message_given, fee_payer_known),
        changes=approved, notify=IN_APP_AND_SMS, documents=("authorization",),
    ),
    Transition(
        Action.UPHOLD, (State.APPEALED,), State.INSPECTION_FAILED,
        appeal_of=AppealOf.INSPECTION,
        roles=(Role.SUPERVISOR,),
        when=(someone_else_decided,), requires=(message_given,),
        changes=upheld_inspection, notify=IN_APP_AND_SMS,
    ),
    Transition(
        Action.OVERTURN, (State.APPEALED,), State.REFUND_PENDING,
        appeal_of=AppealOf.INSPECTION, resolution=Resolution.REFUND,
        roles=(Role.SUPERVISOR,),
        when=(someone_else_decided,), requires=(message_given,),
        changes=refund_computed, notify=IN_APP_AND_SMS, unbinds_terminal=True,
    ),
    Transition(
        Action.OVERTURN, (State.APPEALED,), State.REPLACEMENT_PENDING,
        appeal_of=AppealOf.INSPECTION, resolution=Resolution.EXCHANGE,
        roles=(Role.SUPERVISOR,),
        when=(someone_else_decided,), requires=(message_given,),
        notify=IN_APP_AND_SMS, unbinds_terminal=True,
    ),
    Transition(
        Action.CANCEL, (State.DRAFT, State.SUBMITTED, State.NEEDS_INFO, State.APPROVED),
        State.CANCELLED,
        roles=(Role.MERCHANT, Role.PARTNER),
        notify=IN_APP, releases_serials=True,
    ),
    Transition(
        Action.EXPIRE, (State.APPROVED,), State.EXPIRED,
        roles=(Role.SYSTEM,),
        when=(ship_by_passed,), notify=IN_APP, releases_serials=True,
    ),
    Transition(
        Action.SHIP, (State.APPROVED,), State.IN_TRANSIT,
        roles=(Role.MERCHANT, Role.COUNTER, Role.PARTNER),
        requires=(tracking_given,), changes=shipped, notify=IN_APP,
    ),
    # from approved too: a parcel can arrive before anyone recorded its tracking number
    Transition(
        Action.RECEIVE, (State.IN_TRANSIT, State.APPROVED), State.RECEIVED,
        roles=(Role.INSPECTOR,),
        requires=(every_item_accounted,), changes=received, notify=IN_APP,
    ),
    Transition(
        Action.INSPECT_PASS, (State.RECEIVED,), State.REFUND_PENDING,
        resolution=Resolution.REFUND,
        roles=(Role.INSPECTOR,),
        requires=PASS_CHECKS, changes=refund_computed,
        notify=IN_APP, unbinds_terminal=True,
    ),
    Transition(
        Action.INSPECT_PASS, (State.RECEIVED,), State.REPLACEMENT_PENDING,
        resolution=Resolution.EXCHANGE,
        roles=(Role.INSPECTOR,),
        requires=PASS_CHECKS, notify=IN_APP,
        unbinds_terminal=True,
    ),
    Transition(
        Action.INSPECT_FAIL, (State.RECEIVED,), State.INSPECTION_FAILED,
        roles=(Role.INSPECTOR,),
        requires=(message_given, photos_attached), changes=inspection_failed,
        notify=IN_APP_AND_SMS,
    ),
    Transition(
        Action.SHIP_REPLACEMENT, (State.REPLACEMENT_PENDING,), State.CLOSED,
        roles=(Role.INSPECTOR,),
        requires=(replacement_serial_valid, tracking_given), changes=replacement_shipped,
        notify=IN_APP,
    ),
    Transition(
        Action.RETURN_TO_MERCHANT, (State.INSPECTION_FAILED,), State.CLOSED,
        roles=(Role.INSPECTOR,),
        when=(outcome_settled,), requires=(tracking_given,), changes=parcel, notify=IN_APP,
    ),
    Transition(
        Action.REFUND, (State.REFUND_PENDING,), State.REFUNDED,
        roles=(Role.FINANCE,),
        when=(within_paid,), requires=(payment_reference_given, invoice_reversal_given),
        changes=refunded, notify=IN_APP_AND_SMS, documents=("refund_receipt",),
    ),
    # closing is housekeeping: every state change is in the notification centre, but no SMS
    Transition(
        Action.CLOSE, (State.REFUNDED,), State.CLOSED,
        roles=(Role.SYSTEM,),
        when=(refund_settled,), notify=IN_APP,
    ),
    # the rejection became final by the clock: the unit is free for a new request
    Transition(
        Action.CLOSE, (State.REJECTED,), State.CLOSED,
        roles=(Role.SYSTEM,),
        when=(appeal_window_passed,), notify=IN_APP, releases_serials=True,
    ),
    Transition(
        Action.CLOSE, (State.REJECTED_FINAL,), State.CLOSED,
        roles=(Role.SYSTEM,), notify=IN_APP,
    ),
)  # fmt: skip

_ROWS: Mapping[Action, tuple[Transition, ...]] = MappingProxyType(
    {action: tuple(t for t in TRANSITIONS if t.action is action) for action in Action}
)


# -- deciding --


def decide(
    snapshot: ReturnSnapshot, command: Command, actor: Actor, now: datetime
) -> Decision | Refusal:
    """Check role, ownership, state and every guard; say what changes, or why nothing may."""
    if now.tzinfo is None:
        raise ValueError("decide needs a timezone-aware time")
    row = _who_and_where(snapshot, command.action, actor)
    if isinstance(row, Refusal):
        return row
    attempt = Attempt(snapshot, command, actor, now)
    for guard in (*row.when, within_limits, *row.requires):
        if (refused := guard(attempt)) is not None:
            return refused
    event = Event(
        action=command.action,
        from_state=snapshot.state,
        to_state=row.to_state,
        actor=actor,
        at=now,
        message=command.message.strip(),
        reason_code=command.reason_code.strip(),
    )
    return Decision(row.to_state, event, row.changes(attempt), _effects(row, snapshot))


def allowed_actions(snapshot: ReturnSnapshot, actor: Actor, now: datetime) -> tuple[Action, ...]:
    """Actions to offer this actor now: role, ownership, state and `when` guards pass."""
    offered = []
    for action in Action:
        row = _who_and_where(snapshot, action, actor)
        if isinstance(row, Refusal):
            continue
        attempt = Attempt(snapshot, Command(action), actor, now)
        if all(guard(attempt) is None for guard in row.when):
            offered.append(action)
    return tuple(offered)


def apply(snapshot: ReturnSnapshot, decision: Decision) -> ReturnSnapshot:
    """The request after a decision: new state, next version, and every field the changes set.

    A discarded draft has no next snapshot; callers delete it instead.
    """
    if decision.new_state is None:
        raise ValueError("a discarded draft has no next snapshot")
    changed = {
        f.name: value
        for f in fields(Changes)
        if (value := getattr(decision.changes, f.name)) is not None
    }
    updated = replace(snapshot, state=decision.new_state, version=snapshot.version + 1)
    return replace(updated, **changed)


def _who_and_where(snapshot: ReturnSnapshot, action: Action, actor: Actor) -> Transition | Refusal:
    rows = _ROWS[action]
    if not any(actor.role in row.roles for row in rows):
        return _role_not_allowed(action)
    if (refusal := not_theirs(snapshot, actor)) is not None:
        return refusal
    row = next((row for row in rows if row.applies_to(snapshot)), None)
    if row is None:
        return Refusal("wrong_state", Text(WRONG_STATE[action], {"state": snapshot.state}))
    if actor.role not in row.roles:
        return _role_not_allowed(action)
    return row


def _role_not_allowed(action: Action) -> Refusal:
    return Refusal(
        "role_not_allowed", Text(N_("Your role does not allow this action."), {"action": action})
    )


def _effects(row: Transition, snapshot: ReturnSnapshot) -> tuple[Effect, ...]:
    if row.to_state is None or (snapshot.state is State.DRAFT and row.action is not Action.SUBMIT):
        return ()  # a draft was never shared with anyone: discarding or cancelling it tells no one
    effects: list[Effect] = []
    if (
        snapshot.state is State.DRAFT
    ):  # later syncs of the order never change what it was decided on
        effects.append(Effect(EffectKind.KEEP_FACTS, "order"))
    if row.claims_serials:
        effects.append(Effect(EffectKind.CLAIM_SERIALS, "serials"))
    if row.releases_serials:
        effects.append(Effect(EffectKind.RELEASE_SERIALS, "serials"))
    if row.notify:
        effects.append(Effect(EffectKind.NOTIFY, row.action.value, row.notify))
    effects.extend(Effect(EffectKind.DOCUMENT, kind) for kind in row.documents)
    if row.unbinds_terminal and any(item.serial_number for item in snapshot.items):
        effects.append(Effect(EffectKind.UNBIND_TERMINAL, "terminal"))
        effects.append(Effect(EffectKind.WEBHOOK, "terminal.unbound"))
    # partner platforms get a signed webhook on every change (DESIGN §1)
    effects.append(Effect(EffectKind.WEBHOOK, f"return.{row.to_state.value}"))
    return tuple(effects)
