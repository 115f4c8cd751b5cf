"""A supervisor's edit of the policy: bounds, who pays, the switches, and a reason."""

from __future__ import annotations

from domain.policy import DEFAULT_POLICY
from domain.policy_edit import edited_policy, form_values
from domain.terms import FeePayer, Reason


def _typed(**changes: str) -> dict[str, str]:
    values = form_values(DEFAULT_POLICY)
    values["change_reason"] = "春节期间延长退货期"
    values.update(changes)
    return values


def test_the_form_shows_the_policy_and_saving_it_unchanged_keeps_every_rule() -> None:
    policy, problems = edited_policy(DEFAULT_POLICY, _typed(), 2)
    assert problems == {} and policy is not None
    assert policy.version == 2
    same = DEFAULT_POLICY.to_dict() | {"version": 2}
    assert policy.to_dict() == same


def test_numbers_windows_payers_and_switches_become_the_next_version() -> None:
    typed = _typed(**{"window-terminal": "45", "ship_by_days": "10", "payer-other": "merchant",
                      "evidence-change_of_mind": "on", "auto_approve_low_risk": "on",
                      "counter_approves_change_of_mind": "on"})  # fmt: skip
    policy, _ = edited_policy(DEFAULT_POLICY, typed, 7)
    assert policy is not None
    assert policy.return_window_days["terminal"] == 45 and policy.ship_by_days == 10
    assert policy.fee_payer_by_reason[Reason.OTHER] is FeePayer.MERCHANT
    assert Reason.CHANGE_OF_MIND in policy.evidence_required
    assert policy.auto_approve_low_risk and policy.counter_approves_change_of_mind


def test_an_unticked_box_switches_a_rule_off_and_reviewer_decides_leaves_the_payer_open() -> None:
    typed = _typed(**{"evidence-quality_defect": "", "payer-wrong_item": "reviewer"})
    policy, _ = edited_policy(DEFAULT_POLICY, typed, 2)
    assert policy is not None
    assert Reason.QUALITY_DEFECT not in policy.evidence_required
    assert policy.fee_payer_by_reason[Reason.WRONG_ITEM] is None


def test_out_of_bounds_or_unreadable_values_are_named_and_no_version_is_made() -> None:
    typed = _typed(**{"window-accessory": "0", "review_sla_hours": "２４", "refund_sla_days": "-1",
                      "appeal_window_days": "9999", "payer-other": "nobody", "change_reason": " "})  # fmt: skip
    policy, problems = edited_policy(DEFAULT_POLICY, typed, 2)
    assert policy is None
    assert set(problems) == {"window-accessory", "review_sla_hours", "refund_sla_days",
                             "appeal_window_days", "payer-other", "change_reason"}  # fmt: skip
    assert problems["window-accessory"].params == {"low": 1, "high": 365}
