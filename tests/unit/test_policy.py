"""Policy rules: windows, evidence, fee payers, and storing versions as JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.lifecycle import FeePayer, Reason
from domain.policy import (
    DEFAULT_POLICY,
    Policy,
    check_eligibility,
    evidence_required,
    fee_payer_for,
    window_days,
)

COMPLETED = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_defaults_follow_the_design():
    policy = DEFAULT_POLICY
    assert (policy.appeal_window_days, policy.ship_by_days, policy.review_sla_hours) == (15, 14, 24)
    assert (policy.refund_sla_days, policy.close_after_refund_days) == (7, 7)
    assert policy.refund_methods == ("original", "bank_transfer", "alipay")
    assert policy.auto_approve_low_risk is False


def test_window_is_per_category_with_a_default_for_the_rest():
    policy = Policy(return_window_days={"terminal": 15})
    assert window_days(policy, "terminal") == 15
    assert window_days(policy, "sticker") == 30


def test_an_order_is_returnable_until_the_exact_end_of_its_window():
    closes = COMPLETED + timedelta(days=30)
    result = check_eligibility(COMPLETED, ["terminal"], DEFAULT_POLICY, closes)
    assert result.eligible
    assert result.closes_at == closes
    assert result.message.msgid == "Returnable until %(closes_at)s"
    assert result.message.params == {"closes_at": closes}


def test_after_the_window_eligibility_says_when_it_closed():
    closes = COMPLETED + timedelta(days=30)
    result = check_eligibility(
        COMPLETED, ["terminal"], DEFAULT_POLICY, closes + timedelta(seconds=1)
    )
    assert not result.eligible
    assert result.message.msgid == "The return window closed on %(closes_at)s"


def test_the_shortest_window_among_the_items_decides():
    policy = Policy(return_window_days={"terminal": 30, "consumable": 7})
    result = check_eligibility(COMPLETED, ["terminal", "consumable"], policy, COMPLETED)
    assert result.closes_at == COMPLETED + timedelta(days=7)


def test_evidence_is_required_for_the_four_fault_reasons_only():
    required = {reason for reason in Reason if evidence_required(DEFAULT_POLICY, reason)}
    assert required == {
        Reason.QUALITY_DEFECT,
        Reason.WRONG_ITEM,
        Reason.DAMAGED_IN_TRANSIT,
        Reason.NOT_AS_DESCRIBED,
    }
    assert not evidence_required(DEFAULT_POLICY, None)


def test_fee_payer_follows_the_reason_and_leaves_other_to_the_reviewer():
    assert fee_payer_for(DEFAULT_POLICY, Reason.WRONG_ITEM) is FeePayer.PLATFORM
    assert fee_payer_for(DEFAULT_POLICY, Reason.CHANGE_OF_MIND) is FeePayer.MERCHANT
    assert fee_payer_for(DEFAULT_POLICY, Reason.OTHER) is None
    assert fee_payer_for(DEFAULT_POLICY, None) is None


def test_a_policy_round_trips_through_json():
    policy = replace(
        DEFAULT_POLICY,
        version=4,
        return_window_days={"terminal": 45},
        evidence_required=frozenset({Reason.OTHER}),
        fee_payer_by_reason={Reason.OTHER: FeePayer.MERCHANT, Reason.WRONG_ITEM: None},
        auto_approve_low_risk=True,
    )
    stored = json.loads(json.dumps(policy.to_dict()))
    assert Policy.from_dict(stored) == policy


def test_a_version_stored_before_a_rule_existed_takes_its_default():
    assert Policy.from_dict({"version": 2}) == replace(DEFAULT_POLICY, version=2)


@pytest.mark.parametrize(
    "stored",
    [
        {"appeal_windw_days": 3},
        {"ship_by_days": "14"},
        {"ship_by_days": -1},
        {"auto_approve_low_risk": "yes"},
        {"evidence_required": ["bored"]},
        {"fee_payer_by_reason": {"other": "nobody"}},
    ],
)
def test_a_malformed_stored_policy_is_refused(stored):
    with pytest.raises(ValueError):
        Policy.from_dict(stored)


def test_a_policy_cannot_be_changed_through_the_dict_it_was_built_from():
    windows = {"terminal": 30}
    policy = Policy(return_window_days=windows)
    windows["terminal"] = 1
    assert window_days(policy, "terminal") == 30
    with pytest.raises(TypeError):
        policy.return_window_days["terminal"] = 1  # type: ignore[index]
