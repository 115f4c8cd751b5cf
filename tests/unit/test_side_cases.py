"""Side cases: when a logistics problem or a fee dispute may be opened, and when messages may."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.lifecycle import Actor, FeePayer, Resolution, ReturnSnapshot, Role, State
from domain.money import Money
from domain.policy import DEFAULT_POLICY
from domain.side_cases import (
    SideCaseKind,
    SideCaseRecord,
    SideCaseStatus,
    may_open_side_case,
    may_post_message,
    may_reply_to_side_case,
    side_cases_offered,
)

OWNER = Actor(Role.MERCHANT, "merchant:1", 1)
LOGISTICS, FEE = SideCaseKind.LOGISTICS, SideCaseKind.FEE_DISPUTE


def _request(state: State, fee_payer: FeePayer | None = None) -> ReturnSnapshot:
    return ReturnSnapshot(
        state=state,
        version=3,
        merchant_id=1,
        resolution=Resolution.REFUND,
        reason=None,
        items=(),
        order_completed_at=datetime(2026, 11, 1, tzinfo=UTC),
        paid_total=Money(128000),
        policy=DEFAULT_POLICY,
        fee_payer=fee_payer,
    )


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        (State.SUBMITTED, ()),
        (State.APPROVED, (LOGISTICS,)),
        (State.IN_TRANSIT, (LOGISTICS,)),
        (State.REFUNDED, ()),
    ],
)
def test_a_logistics_problem_is_offered_while_a_parcel_moves(
    state: State, offered: tuple[SideCaseKind, ...]
) -> None:
    assert side_cases_offered(_request(state, FeePayer.PLATFORM), OWNER, []) == offered


def test_the_fee_is_contestable_only_by_a_merchant_who_was_made_to_pay() -> None:
    assert FEE in side_cases_offered(_request(State.APPROVED, FeePayer.MERCHANT), OWNER, [])
    assert FEE not in side_cases_offered(_request(State.APPROVED, FeePayer.PLATFORM), OWNER, [])
    assert FEE not in side_cases_offered(_request(State.REFUNDED, FeePayer.MERCHANT), OWNER, [])


def test_one_open_logistics_case_at_a_time_and_one_fee_dispute_ever() -> None:
    request = _request(State.IN_TRANSIT, FeePayer.MERCHANT)
    open_case = SideCaseRecord(LOGISTICS, SideCaseStatus.OPEN)
    resolved_case = SideCaseRecord(LOGISTICS, SideCaseStatus.RESOLVED)
    disputed = SideCaseRecord(FEE, SideCaseStatus.RESOLVED)

    assert may_open_side_case(request, LOGISTICS, OWNER, [open_case]).code == "already_open"  # type: ignore[union-attr]
    assert may_open_side_case(request, LOGISTICS, OWNER, [resolved_case]) is None
    assert may_open_side_case(request, FEE, OWNER, [disputed]).code == "already_disputed"  # type: ignore[union-attr]


def test_only_the_owner_opens_cases_and_writes_messages() -> None:
    request = _request(State.APPROVED, FeePayer.MERCHANT)
    stranger = Actor(Role.MERCHANT, "merchant:2", 2)

    assert may_open_side_case(request, LOGISTICS, stranger, []).code == "not_yours"  # type: ignore[union-attr]
    assert may_post_message(request, stranger).code == "not_yours"  # type: ignore[union-attr]
    assert may_post_message(request, OWNER) is None
    assert may_post_message(_request(State.DRAFT), OWNER).code == "not_submitted"  # type: ignore[union-attr]
    reviewer = Actor(Role.REVIEWER, "staff:1")
    assert may_post_message(request, reviewer) is None
    assert may_open_side_case(request, LOGISTICS, reviewer, []).code == "role_not_allowed"  # type: ignore[union-attr]


def test_a_resolved_case_takes_no_replies() -> None:
    assert may_reply_to_side_case(SideCaseRecord(LOGISTICS, SideCaseStatus.OPEN)) is None
    resolved = may_reply_to_side_case(SideCaseRecord(LOGISTICS, SideCaseStatus.RESOLVED))
    assert resolved is not None and resolved.code == "side_case_resolved"


def test_only_staff_write_internal_notes() -> None:
    from domain.side_cases import may_post_message

    snapshot = _request(State.SUBMITTED)
    merchant = Actor(Role.MERCHANT, f"merchant:{snapshot.merchant_id}", snapshot.merchant_id)
    reviewer = Actor(Role.REVIEWER, "staff:1")
    assert may_post_message(snapshot, merchant, internal=True) is not None
    assert may_post_message(snapshot, merchant) is None
    assert may_post_message(snapshot, reviewer, internal=True) is None
