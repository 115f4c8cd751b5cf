"""Approvals without a reviewer (DESIGN §3): the system approving a low-risk request with
evidence at submit, and counter staff approving a change-of-mind return on the spot — each
only where the policy the request is under switches it on."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.guards import Attempt
from domain.policy import check_eligibility
from domain.request import Refusal
from domain.risk import level_for
from domain.staff import REJECTION_REASONS
from domain.terms import Reason, Role
from domain.text import N_, Text

AUTO_APPROVED = "auto_approved"  # the reason code of the system's approval

# how staff screens name an event's reason code
REASON_CODE_LABELS: Mapping[str, str] = MappingProxyType(
    {**REJECTION_REASONS, AUTO_APPROVED: N_("approved automatically: low risk, with photos")}
)


def approver_allowed(attempt: Attempt) -> Refusal | None:
    """Reviewers and supervisors always may; the system and counters only as the policy says."""
    role, snapshot = attempt.actor.role, attempt.snapshot
    policy = snapshot.policy
    if role is Role.SYSTEM:
        if (
            policy.auto_approve_low_risk
            and level_for(snapshot.risk_score) == "low"
            and snapshot.evidence_count > 0
        ):
            return None
        return Refusal(
            "not_auto_approvable",
            Text(N_("Only a low-risk request with photos is approved automatically.")),
        )
    if role is Role.COUNTER:
        eligibility = check_eligibility(
            snapshot.order_completed_at,
            (item.product_category for item in snapshot.items),
            policy,
            attempt.now,
        )
        if (
            policy.counter_approves_change_of_mind
            and snapshot.reason is Reason.CHANGE_OF_MIND
            and eligibility.eligible
        ):
            return None
        return Refusal(
            "review_needed",
            Text(
                N_(
                    "A reviewer decides this request: counters approve change-of-mind returns inside the window only."
                )
            ),
        )
    return None
