"""Return policy (DESIGN §3): windows, deadlines, evidence and fee rules, versioned as JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from domain.terms import FeePayer, Reason
from domain.text import N_, Text

_EVIDENCE_REASONS = frozenset(
    {Reason.QUALITY_DEFECT, Reason.WRONG_ITEM, Reason.DAMAGED_IN_TRANSIT, Reason.NOT_AS_DESCRIBED}
)


def _default_windows() -> Mapping[str, int]:
    return MappingProxyType({"terminal": 30, "accessory": 30, "consumable": 30})


def _default_fee_payers() -> Mapping[Reason, FeePayer | None]:
    payers: dict[Reason, FeePayer | None] = {
        reason: FeePayer.PLATFORM for reason in _EVIDENCE_REASONS
    }
    payers[Reason.CHANGE_OF_MIND] = FeePayer.MERCHANT
    payers[Reason.OTHER] = None  # the reviewer decides at approval
    return MappingProxyType(payers)


@dataclass(frozen=True)
class Policy:
    """One version of the rules. A request keeps the version it was submitted under."""

    version: int = 1
    return_window_days: Mapping[str, int] = field(default_factory=_default_windows)
    default_window_days: int = 30  # categories missing from return_window_days
    appeal_window_days: int = 15
    ship_by_days: int = 14
    review_sla_hours: int = 24
    appeal_review_sla_hours: int = 48  # a supervisor decides an appeal within this
    refund_sla_days: int = 7
    close_after_refund_days: int = 7
    evidence_required: frozenset[Reason] = _EVIDENCE_REASONS
    fee_payer_by_reason: Mapping[Reason, FeePayer | None] = field(
        default_factory=_default_fee_payers
    )
    refund_methods: tuple[str, ...] = ("original", "bank_transfer", "alipay")
    auto_approve_low_risk: bool = False
    # counter staff may approve a change-of-mind return inside the window on the spot
    counter_approves_change_of_mind: bool = False

    def __post_init__(self) -> None:
        # a caller's dict must not be able to change a policy version after the fact
        object.__setattr__(
            self, "return_window_days", MappingProxyType(dict(self.return_window_days))
        )
        object.__setattr__(
            self, "fee_payer_by_reason", MappingProxyType(dict(self.fee_payer_by_reason))
        )
        object.__setattr__(self, "evidence_required", frozenset(self.evidence_required))
        object.__setattr__(self, "refund_methods", tuple(self.refund_methods))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: db/ stores each version this way."""
        return {
            "version": self.version,
            "return_window_days": dict(self.return_window_days),
            "default_window_days": self.default_window_days,
            "appeal_window_days": self.appeal_window_days,
            "ship_by_days": self.ship_by_days,
            "review_sla_hours": self.review_sla_hours,
            "appeal_review_sla_hours": self.appeal_review_sla_hours,
            "refund_sla_days": self.refund_sla_days,
            "close_after_refund_days": self.close_after_refund_days,
            "evidence_required": sorted(self.evidence_required),
            "fee_payer_by_reason": {
                str(reason): (payer.value if payer else None)
                for reason, payer in self.fee_payer_by_reason.items()
            },
            "refund_methods": list(self.refund_methods),
            "auto_approve_low_risk": self.auto_approve_low_risk,
            "counter_approves_change_of_mind": self.counter_approves_change_of_mind,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Read a stored version. Missing keys take today's defaults (versions stored before a
        rule existed); unknown keys or wrong types raise ValueError rather than guess."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown policy keys: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for name in (
            "version",
            "default_window_days",
            "appeal_window_days",
            "ship_by_days",
            "review_sla_hours",
            "appeal_review_sla_hours",
            "refund_sla_days",
            "close_after_refund_days",
        ):
            if name in data:
                values[name] = _whole_number(name, data[name])
        if "return_window_days" in data:
            values["return_window_days"] = {
                str(category): _whole_number(f"return_window_days[{category}]", days)
                for category, days in dict(data["return_window_days"]).items()
            }
        if "evidence_required" in data:
            values["evidence_required"] = frozenset(Reason(r) for r in data["evidence_required"])
        if "fee_payer_by_reason" in data:
            values["fee_payer_by_reason"] = {
                Reason(reason): (FeePayer(payer) if payer is not None else None)
                for reason, payer in dict(data["fee_payer_by_reason"]).items()
            }
        if "refund_methods" in data:
            values["refund_methods"] = tuple(str(m) for m in data["refund_methods"])
        for name in ("auto_approve_low_risk", "counter_approves_change_of_mind"):
            if name in data:
                flag = data[name]
                if not isinstance(flag, bool):
                    raise ValueError(f"{name} must be true or false, got {flag!r}")
                values[name] = flag
        return cls(**values)


def _whole_number(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a whole number of at least 0, got {value!r}")
    return value


DEFAULT_POLICY = Policy()


def window_days(policy: Policy, category: str) -> int:
    """Days a product category may be returned after the order completes."""
    return policy.return_window_days.get(category, policy.default_window_days)


@dataclass(frozen=True)
class Eligibility:
    """Whether an order may still be returned, and the exact moment that ends."""

    eligible: bool
    closes_at: datetime  # the earliest window end among the items asked about
    message: Text


def check_eligibility(
    order_completed_at: datetime, categories: Iterable[str], policy: Policy, now: datetime
) -> Eligibility:
    """Open only while every category's window is open; the shortest window decides."""
    days = [window_days(policy, category) for category in categories]
    closes_at = order_completed_at + timedelta(days=min(days, default=policy.default_window_days))
    if now <= closes_at:
        return Eligibility(
            True, closes_at, Text(N_("Returnable until %(closes_at)s"), {"closes_at": closes_at})
        )
    return Eligibility(
        False,
        closes_at,
        Text(N_("The return window closed on %(closes_at)s"), {"closes_at": closes_at}),
    )


def evidence_required(policy: Policy, reason: Reason | None) -> bool:
    """At least one photo is needed for this reason."""
    return reason is not None and reason in policy.evidence_required


def fee_payer_for(policy: Policy, reason: Reason | None) -> FeePayer | None:
    """Who pays return shipping; None means the reviewer decides at approval."""
    if reason is None:
        return None
    return policy.fee_payer_by_reason.get(reason)
