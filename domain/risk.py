"""Risk rules at submit (DESIGN §3): each finding scores points and says why, with numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from domain.policy import Policy
from domain.text import N_, Text

RiskLevel = Literal["low", "medium", "high"]

MANY_RETURNS_IN_90_DAYS = 3  # more than this many returns in 90 days is unusual for one shop
LATE_IN_WINDOW = timedelta(days=3)  # submitted this close to the window's end
MEDIUM_FROM = 25
HIGH_FROM = 50


@dataclass(frozen=True)
class RiskInput:
    """What db/ gathers about a request at submit; every count excludes the request itself."""

    serials_returned_before: int  # this request's SNs found in earlier returns
    merchant_returns_90d: int
    order_completed_at: datetime
    window_closes_at: datetime
    submitted_at: datetime | None  # None while still a draft: assessed as of `now`
    evidence_hashes_reused: int  # files whose hash appears on another request
    earliest_photo_taken_at: datetime | None  # from the photos' own metadata, before stripping
    delivered_at: datetime | None
    terminal_transacted_after_request: bool
    # the RMAs of other merchants' requests whose photos these photos repeat, re-saved,
    # resized, recoloured or cropped (domain.photo_hash); identical files are counted above
    photos_reused_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class RiskFinding:
    code: str
    points: int
    explanation: Text


@dataclass(frozen=True)
class RiskAssessment:
    score: int
    findings: tuple[RiskFinding, ...]
    level: RiskLevel


Rule = Callable[[RiskInput, datetime], RiskFinding | None]


def serial_returned_before(facts: RiskInput, now: datetime) -> RiskFinding | None:
    if facts.serials_returned_before <= 0:
        return None
    return RiskFinding(
        "serial_returned_before",
        40,
        Text(
            N_("%(count)s serial number(s) on this request were returned before"),
            {"count": facts.serials_returned_before},
        ),
    )


def many_recent_returns(facts: RiskInput, now: datetime) -> RiskFinding | None:
    if facts.merchant_returns_90d <= MANY_RETURNS_IN_90_DAYS:
        return None
    return RiskFinding(
        "many_recent_returns",
        20,
        Text(
            N_("The merchant made %(count)s returns in the last 90 days (usual: up to %(limit)s)"),
            {"count": facts.merchant_returns_90d, "limit": MANY_RETURNS_IN_90_DAYS},
        ),
    )


def late_in_window(facts: RiskInput, now: datetime) -> RiskFinding | None:
    submitted_at = facts.submitted_at or now
    left = facts.window_closes_at - submitted_at
    if left > LATE_IN_WINDOW or left < timedelta(0):
        return None
    return RiskFinding(
        "late_in_window",
        10,
        Text(
            N_("Submitted %(hours)s hours before the return window closed on %(closes_at)s"),
            {"hours": int(left.total_seconds() // 3600), "closes_at": facts.window_closes_at},
        ),
    )


def evidence_reused(facts: RiskInput, now: datetime) -> RiskFinding | None:
    if facts.evidence_hashes_reused <= 0:
        return None
    return RiskFinding(
        "evidence_reused",
        35,
        Text(
            N_("%(count)s evidence file(s) are identical to files on another request"),
            {"count": facts.evidence_hashes_reused},
        ),
    )


def photo_reused(facts: RiskInput, now: datetime) -> RiskFinding | None:
    if not facts.photos_reused_from:
        return None
    return RiskFinding(
        "photo_reused",
        35,
        Text(
            N_("%(count)s photo(s) repeat photos of other merchants' requests, altered: %(rmas)s"),
            {
                "count": len(facts.photos_reused_from),
                "rmas": ", ".join(dict.fromkeys(facts.photos_reused_from)),
            },
        ),
    )


def photo_before_delivery(facts: RiskInput, now: datetime) -> RiskFinding | None:
    taken, delivered = facts.earliest_photo_taken_at, facts.delivered_at
    if taken is None or delivered is None or taken >= delivered:
        return None
    return RiskFinding(
        "photo_before_delivery",
        35,
        Text(
            N_(
                "A photo was taken on %(taken_at)s, before the order was delivered "
                "on %(delivered_at)s"
            ),
            {"taken_at": taken, "delivered_at": delivered},
        ),
    )


# found at submit, or later when the terminal-management system reports a payment (db.sync)
TERMINAL_STILL_TRANSACTING = RiskFinding(
    "terminal_still_transacting",
    30,
    Text(N_("The terminal took payments after the return was requested")),
)


def terminal_still_transacting(facts: RiskInput, now: datetime) -> RiskFinding | None:
    return TERMINAL_STILL_TRANSACTING if facts.terminal_transacted_after_request else None


RULES: tuple[Rule, ...] = (
    serial_returned_before,
    many_recent_returns,
    late_in_window,
    evidence_reused,
    photo_reused,
    photo_before_delivery,
    terminal_still_transacting,
)


def level_for(score: int) -> RiskLevel:
    if score >= HIGH_FROM:
        return "high"
    if score >= MEDIUM_FROM:
        return "medium"
    return "low"


def assess(facts: RiskInput, now: datetime) -> RiskAssessment:
    """Run every rule; the score is the sum of the findings' points."""
    findings = tuple(f for rule in RULES if (f := rule(facts, now)) is not None)
    score = sum(f.points for f in findings)
    return RiskAssessment(score, findings, level_for(score))


def may_auto_approve(policy: Policy, assessment: RiskAssessment, evidence_count: int) -> bool:
    """Low risk with evidence, and only where a supervisor has switched it on."""
    return policy.auto_approve_low_risk and assessment.level == "low" and evidence_count > 0
