"""What staff are told in the admin, and whom each notice is for: a merchant's word goes to
whoever last worked on the request (they know it), else to the role its state waits for; an
appeal to the supervisors; work that gave up to the supervisors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.staff import QUEUE_STATES
from domain.terms import Action, Role, State
from domain.text import N_

STAFF_NOTICE_TEXTS: Mapping[str, str] = MappingProxyType(
    {
        "merchant_message": N_("The merchant wrote on %(rma)s."),
        "merchant_answered": N_(
            "The merchant answered the question on %(rma)s: it is back in review."
        ),
        "appeal": N_("%(rma)s was appealed: the appeal waits for a supervisor."),
        "fee_dispute": N_("The merchant disputes who pays the shipping on %(rma)s."),
        "logistics": N_("The merchant reports a shipping problem on %(rma)s."),
        "review_late": N_("%(rma)s missed its review deadline."),
        "outbox_dead": N_(
            "Work gave up after its last try: %(dead)s waiting under Work that did not go out."
        ),
    }
)

# lifecycle steps a merchant takes that staff are told of, by notice kind
TOLD_OF_ACTIONS: Mapping[Action, str] = MappingProxyType(
    {Action.APPEAL: "appeal", Action.RESUBMIT: "merchant_answered"}
)


@dataclass(frozen=True)
class Addressee:
    role: Role
    staff_id: int | None = None  # None: everyone of the role


def staff_id_of(actor_id: str) -> int | None:
    """12 for "staff:12"; None for a merchant, a partner or the system."""
    kind, _, number = actor_id.partition(":")
    return int(number) if kind == "staff" and number.isdigit() else None


def addressee(kind: str, state: State, last_staff: tuple[Role, str] | None) -> Addressee:
    """Whom a notice of `kind` on a request in `state` is for. `last_staff` is the role and
    actor id of the staff member who last took a step on it, if any."""
    if kind in ("appeal", "fee_dispute"):
        return Addressee(Role.SUPERVISOR)
    if last_staff is not None and (staff_id := staff_id_of(last_staff[1])) is not None:
        return Addressee(last_staff[0], staff_id)
    for role in (Role.REVIEWER, Role.INSPECTOR, Role.FINANCE, Role.SUPERVISOR):
        if state in QUEUE_STATES[role]:
            return Addressee(role)
    return Addressee(Role.REVIEWER)
