"""Records on a request that are not states: logistics problems, fee disputes and the message thread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from domain.limits import MAX_MESSAGE, too_long
from domain.money import Money, refund_amount
from domain.request import Actor, Refusal, ReturnSnapshot
from domain.terms import FeePayer, Role, State
from domain.text import N_, Text


class SideCaseKind(StrEnum):
    LOGISTICS = "logistics"  # delay, loss or damage of a parcel in transit
    FEE_DISPUTE = "fee_dispute"  # the merchant contests paying the return shipping


class SideCaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class SideCaseRecord:
    """What the rules need to know of a side case already on the request."""

    kind: SideCaseKind
    status: SideCaseStatus


SIDE_CASE_LABELS: Mapping[SideCaseKind, str] = MappingProxyType(
    {
        SideCaseKind.LOGISTICS: N_("Logistics problem"),
        SideCaseKind.FEE_DISPUTE: N_("Shipping fee dispute"),
    }
)

SIDE_CASE_STATUS_LABELS: Mapping[SideCaseStatus, str] = MappingProxyType(
    {
        SideCaseStatus.OPEN: N_("Open"),
        SideCaseStatus.RESOLVED: N_("Resolved"),
    }
)

# a parcel is on the move (or about to be) between us and the merchant
_LOGISTICS_STATES = frozenset(
    {State.APPROVED, State.IN_TRANSIT, State.RECEIVED, State.REPLACEMENT_PENDING}
)
# the merchant was made to pay, and the refund that would deduct it is not yet paid
_FEE_DISPUTE_STATES = frozenset(
    {State.APPROVED, State.IN_TRANSIT, State.RECEIVED, State.REFUND_PENDING}
)
MERCHANT_SIDE = frozenset({Role.MERCHANT, Role.PARTNER})


def may_post_message(
    snapshot: ReturnSnapshot, actor: Actor, *, internal: bool = False
) -> Refusal | None:
    """Anyone on the merchant's side may write once the request is submitted; it stays a record.
    Internal notes are staff's alone, and never reach the merchant."""
    if actor.role in MERCHANT_SIDE and actor.merchant_id != snapshot.merchant_id:
        return Refusal("not_yours", Text(N_("This return request belongs to another merchant.")))
    if internal and (actor.role in MERCHANT_SIDE or actor.role is Role.SYSTEM):
        return Refusal("staff_only", Text(N_("Only staff write internal notes.")))
    if snapshot.state is State.DRAFT:
        return Refusal(
            "not_submitted",
            Text(N_("Submit the request first; messages start once it is with us.")),
        )
    return None


def check_message(body: str, attachments: int) -> Refusal | None:
    """A message says something or carries a file, and fits its field."""
    if not body.strip() and attachments == 0:
        return Refusal("message_required", Text(N_("Write a message or attach a file.")))
    if len(body.strip()) > MAX_MESSAGE:
        return Refusal("too_long", too_long(MAX_MESSAGE))
    return None


def may_open_side_case(
    snapshot: ReturnSnapshot,
    kind: SideCaseKind,
    actor: Actor,
    existing: Iterable[SideCaseRecord],
) -> Refusal | None:
    """Whether the merchant may open a side case of this kind on the request now."""
    if actor.role not in MERCHANT_SIDE:
        return Refusal("role_not_allowed", Text(N_("Your role does not allow this action.")))
    if actor.merchant_id != snapshot.merchant_id:
        return Refusal("not_yours", Text(N_("This return request belongs to another merchant.")))
    cases = tuple(existing)
    if kind is SideCaseKind.LOGISTICS:
        if snapshot.state not in _LOGISTICS_STATES:
            return Refusal(
                "no_parcel",
                Text(N_("A logistics problem can be reported while a parcel is on its way.")),
            )
        if any(c.kind is kind and c.status is SideCaseStatus.OPEN for c in cases):
            return Refusal(
                "already_open",
                Text(N_("You already reported a logistics problem; add to its messages instead.")),
            )
        return None
    if snapshot.fee_payer is not FeePayer.MERCHANT or snapshot.state not in _FEE_DISPUTE_STATES:
        return Refusal(
            "no_fee_to_dispute",
            Text(N_("The shipping fee can be contested when you were asked to pay it.")),
        )
    if any(c.kind is kind for c in cases):
        # a supervisor decides it once; further words go into its thread
        return Refusal(
            "already_disputed",
            Text(N_("You already contested the shipping fee; add to its messages instead.")),
        )
    return None


def side_cases_offered(
    snapshot: ReturnSnapshot, actor: Actor, existing: Iterable[SideCaseRecord]
) -> tuple[SideCaseKind, ...]:
    cases = tuple(existing)
    return tuple(
        kind for kind in SideCaseKind if may_open_side_case(snapshot, kind, actor, cases) is None
    )


def may_reply_to_side_case(case: SideCaseRecord) -> Refusal | None:
    """A resolved side case is a closed record; anything further goes into the main thread."""
    if case.status is SideCaseStatus.OPEN:
        return None
    return Refusal(
        "side_case_resolved",
        Text(N_("This case is resolved. Please write to customer service in the messages.")),
    )


# who settles each kind: a logistics problem any of those handling the parcel; the fee a
# supervisor, since it changes what the merchant is paid
_RESOLVERS: Mapping[SideCaseKind, frozenset[Role]] = MappingProxyType(
    {
        SideCaseKind.LOGISTICS: frozenset({Role.REVIEWER, Role.INSPECTOR, Role.SUPERVISOR}),
        SideCaseKind.FEE_DISPUTE: frozenset({Role.SUPERVISOR}),
    }
)


def may_resolve_side_case(
    case: SideCaseRecord, actor: Actor, outcome: str, fee_payer: FeePayer | None
) -> Refusal | None:
    """Whether this staff member may settle the case with these words (and, for a fee dispute,
    this decision on who pays)."""
    if actor.role not in _RESOLVERS[case.kind]:
        return Refusal("role_not_allowed", Text(N_("Your role does not allow this action.")))
    if case.status is not SideCaseStatus.OPEN:
        return Refusal("side_case_resolved", Text(N_("This case is resolved already.")))
    if not outcome.strip():
        return Refusal("outcome_required", Text(N_("Say what was decided; the merchant reads it.")))
    if len(outcome.strip()) > MAX_MESSAGE:
        return Refusal("too_long", too_long(MAX_MESSAGE))
    if case.kind is SideCaseKind.FEE_DISPUTE and fee_payer is None:
        return Refusal("fee_payer_required", Text(N_("Choose who pays the return shipping.")))
    return None


def fee_decided(snapshot: ReturnSnapshot, fee_payer: FeePayer) -> Money | None:
    """The refund once a fee dispute is decided: computed again if it was computed already
    (the deduction for the shipping goes or stays with the payer), else still to come."""
    if snapshot.refund_amount is None:
        return None
    return refund_amount(
        snapshot.items, snapshot.resolution, fee_payer, snapshot.shipping_advanced,
        snapshot.paid_total,
    )  # fmt: skip


def kinds_settled_by(role: Role) -> tuple[SideCaseKind, ...]:
    """The side cases a role settles, for its list of open ones."""
    return tuple(kind for kind, roles in _RESOLVERS.items() if role in roles)
