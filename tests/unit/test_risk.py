"""Risk rules at submit: each finding scores and explains itself with numbers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from domain.policy import DEFAULT_POLICY
from domain.risk import RiskInput, assess, may_auto_approve

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
CLEAN = RiskInput(
    serials_returned_before=0,
    merchant_returns_90d=1,
    order_completed_at=NOW - timedelta(days=10),
    window_closes_at=NOW + timedelta(days=20),
    submitted_at=NOW,
    evidence_hashes_reused=0,
    earliest_photo_taken_at=NOW - timedelta(days=1),
    delivered_at=NOW - timedelta(days=10),
    terminal_transacted_after_request=False,
)


def codes(facts: RiskInput) -> list[str]:
    return [finding.code for finding in assess(facts, NOW).findings]


def test_a_clean_request_is_low_risk_with_nothing_to_explain():
    assessment = assess(CLEAN, NOW)
    assert (assessment.score, assessment.findings, assessment.level) == (0, (), "low")


def test_a_serial_returned_before_is_flagged_with_the_count():
    [finding] = assess(replace(CLEAN, serials_returned_before=2), NOW).findings
    assert finding.code == "serial_returned_before"
    assert finding.explanation.params == {"count": 2}


def test_many_returns_in_90_days_are_flagged_with_the_number_and_the_usual_limit():
    assert codes(replace(CLEAN, merchant_returns_90d=3)) == []
    [finding] = assess(replace(CLEAN, merchant_returns_90d=7), NOW).findings
    assert finding.explanation.params == {"count": 7, "limit": 3}


def test_submitting_in_the_last_days_of_the_window_is_flagged_with_the_hours_left():
    facts = replace(CLEAN, window_closes_at=NOW + timedelta(hours=30))
    [finding] = assess(facts, NOW).findings
    assert finding.code == "late_in_window"
    assert finding.explanation.params == {"hours": 30, "closes_at": NOW + timedelta(hours=30)}


def test_a_draft_is_assessed_as_of_now():
    facts = replace(CLEAN, submitted_at=None, window_closes_at=NOW + timedelta(hours=5))
    assert codes(facts) == ["late_in_window"]


def test_evidence_reused_from_another_request_is_flagged():
    assert codes(replace(CLEAN, evidence_hashes_reused=1)) == ["evidence_reused"]


def test_a_photo_taken_before_delivery_is_flagged_with_both_dates():
    taken = CLEAN.delivered_at - timedelta(days=2)
    [finding] = assess(replace(CLEAN, earliest_photo_taken_at=taken), NOW).findings
    assert finding.code == "photo_before_delivery"
    assert finding.explanation.params == {"taken_at": taken, "delivered_at": CLEAN.delivered_at}


def test_photos_without_a_date_are_not_held_against_the_merchant():
    assert codes(replace(CLEAN, earliest_photo_taken_at=None)) == []


def test_a_terminal_still_taking_payments_is_flagged():
    assert codes(replace(CLEAN, terminal_transacted_after_request=True)) == [
        "terminal_still_transacting"
    ]


def test_the_score_adds_up_the_findings_and_sets_the_level():
    medium = assess(replace(CLEAN, terminal_transacted_after_request=True), NOW)
    assert (medium.score, medium.level) == (30, "medium")
    high = assess(replace(CLEAN, serials_returned_before=1, evidence_hashes_reused=1), NOW)
    assert (high.score, high.level) == (75, "high")
    assert high.score == sum(finding.points for finding in high.findings)


def test_auto_approval_needs_the_switch_low_risk_and_evidence():
    low = assess(CLEAN, NOW)
    switched_on = replace(DEFAULT_POLICY, auto_approve_low_risk=True)
    assert may_auto_approve(switched_on, low, evidence_count=1)
    assert not may_auto_approve(DEFAULT_POLICY, low, evidence_count=1)
    assert not may_auto_approve(switched_on, low, evidence_count=0)
    high = assess(replace(CLEAN, serials_returned_before=1, evidence_hashes_reused=1), NOW)
    assert not may_auto_approve(switched_on, high, evidence_count=3)
