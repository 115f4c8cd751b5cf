"""A supervisor's edit of the return policy: which numbers may be set, their bounds, and the
new version they make. Pure: the page hands in what was typed, db/ stores what comes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from domain.policy import Policy
from domain.terms import FeePayer, Reason
from domain.text import N_, Text

CATEGORIES = ("terminal", "accessory", "consumable")
REVIEWER_DECIDES = "reviewer"  # the fee-payer choice that leaves the payer to the reviewer
MAX_CHANGE_REASON = 500


@dataclass(frozen=True)
class Bound:
    name: str  # the Policy field, and the form field
    low: int
    high: int


# what a supervisor can set, with the bounds that keep a typo from closing every window
NUMBERS = (
    Bound("appeal_window_days", 1, 90),
    Bound("ship_by_days", 1, 60),
    Bound("review_sla_hours", 1, 720),
    Bound("appeal_review_sla_hours", 1, 720),
    Bound("refund_sla_days", 1, 60),
)
WINDOW = Bound("window", 1, 365)
FLAGS = ("auto_approve_low_risk", "counter_approves_change_of_mind")


def form_values(policy: Policy) -> dict[str, str]:
    """The policy as the form shows it: every field a string, checkboxes "on" or ""."""
    values = {bound.name: str(getattr(policy, bound.name)) for bound in NUMBERS}
    for category in CATEGORIES:
        days = policy.return_window_days.get(category, policy.default_window_days)
        values[f"window-{category}"] = str(days)
    for reason in Reason:
        values[f"evidence-{reason}"] = "on" if reason in policy.evidence_required else ""
        payer = policy.fee_payer_by_reason.get(reason)
        values[f"payer-{reason}"] = payer.value if payer else REVIEWER_DECIDES
    for flag in FLAGS:
        values[flag] = "on" if getattr(policy, flag) else ""
    return values


def _number(text: str, bound: Bound) -> int | Text:
    cleaned = text.strip()
    if cleaned.isascii() and cleaned.isdigit() and bound.low <= int(cleaned) <= bound.high:
        return int(cleaned)
    return Text(
        N_("Enter a whole number from %(low)s to %(high)s."),
        {"low": bound.low, "high": bound.high},
    )


def _payer(text: str) -> FeePayer | Text | None:
    if text == REVIEWER_DECIDES:
        return None
    try:
        return FeePayer(text)
    except ValueError:
        return Text(N_("Choose who pays the return shipping."))


def _numbers(
    typed: Mapping[str, str], wanted: list[tuple[str, Bound]], problems: dict[str, Text]
) -> dict[str, int]:
    """The numbers read by field name; each unreadable one goes to `problems` instead."""
    read: dict[str, int] = {}
    for name, bound in wanted:
        value = _number(typed.get(name, ""), bound)
        if isinstance(value, Text):
            problems[name] = value
        else:
            read[name] = value
    return read


def edited_policy(
    current: Policy, typed: Mapping[str, str], new_version: int
) -> tuple[Policy | None, dict[str, Text]]:
    """The next version from what was typed, or the problems by field (and no policy)."""
    problems: dict[str, Text] = {}
    numbers = _numbers(typed, [(bound.name, bound) for bound in NUMBERS], problems)
    typed_windows = [(f"window-{category}", WINDOW) for category in CATEGORIES]
    windows = dict(current.return_window_days)
    for name, days in _numbers(typed, typed_windows, problems).items():
        windows[name.removeprefix("window-")] = days
    payers: dict[Reason, FeePayer | None] = {}
    for reason in Reason:
        payer = _payer(typed.get(f"payer-{reason}", ""))
        if isinstance(payer, Text):
            problems[f"payer-{reason}"] = payer
        else:
            payers[reason] = payer
    change_reason = typed.get("change_reason", "").strip()
    if not change_reason:
        problems["change_reason"] = Text(N_("Say why the policy changes: colleagues read it."))
    elif len(change_reason) > MAX_CHANGE_REASON:
        problems["change_reason"] = Text(
            N_("Keep it under %(n)s characters."), {"n": MAX_CHANGE_REASON}
        )
    if problems:
        return None, problems
    evidence = frozenset(r for r in Reason if typed.get(f"evidence-{r}") == "on")
    policy = replace(
        current,
        version=new_version,
        return_window_days=windows,
        evidence_required=evidence,
        fee_payer_by_reason=payers,
        appeal_window_days=numbers["appeal_window_days"],
        ship_by_days=numbers["ship_by_days"],
        review_sla_hours=numbers["review_sla_hours"],
        appeal_review_sla_hours=numbers["appeal_review_sla_hours"],
        refund_sla_days=numbers["refund_sla_days"],
        auto_approve_low_risk=typed.get("auto_approve_low_risk") == "on",
        counter_approves_change_of_mind=typed.get("counter_approves_change_of_mind") == "on",
    )
    return policy, {}
