"""The store applies a domain action atomically: state, event, notification and outbox together."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from db.returns import Applied, Conflict, apply_action
from db.snapshots import load_snapshot
from db.tables import Event, Notification, OutboxRow, PolicyVersion, ReturnRequest, Terminal
from domain.inspection import CHECKLIST
from domain.lifecycle import Action, Actor, Command, FeePayer, Refusal, Role, State
from domain.policy import DEFAULT_POLICY
from domain.rma import is_valid_rma
from domain.terms import ItemReceipt
from tests.integration import factories

MERCHANT_ROLE = Role.MERCHANT


async def _all_received(request_id: int) -> tuple[tuple[int, ItemReceipt], ...]:
    items = (await load_snapshot(request_id)).items
    return tuple((item.order_item_id, ItemReceipt.RECEIVED) for item in items)


async def _submitted(now: datetime) -> tuple[int, int]:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=5))
    request_id = await factories.draft(merchant_id, order_id, items)
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    result = await apply_action(request_id, Command(Action.SUBMIT), actor, now)
    assert isinstance(result, Applied), result
    return request_id, merchant_id


async def test_submit_assigns_an_rma_and_writes_event_notification_and_outbox(
    now: datetime,
) -> None:
    request_id, merchant_id = await _submitted(now)

    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["state"] == "submitted"
    assert row["version"] == 2
    assert is_valid_rma(row["rma"])
    events = await Event.select().where(Event.request == request_id)
    assert [(e["action"], e["from_state"], e["to_state"]) for e in events] == [
        ("submit", "draft", "submitted")
    ]
    assert events[0]["actor_id"] == f"merchant:{merchant_id}"
    notices = await Notification.select().where(Notification.merchant == merchant_id)
    assert [n["kind"] for n in notices] == ["submit"]
    jobs = {row["job"] for row in await OutboxRow.select()}
    # a merchant's own request: no partner to tell (tests/integration/test_webhooks.py)
    assert "send_notification" in jobs and "deliver_webhook" not in jobs


async def test_submit_outside_the_window_is_refused_and_nothing_is_written(now: datetime) -> None:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=45))
    request_id = await factories.draft(merchant_id, order_id, items)
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)

    result = await apply_action(request_id, Command(Action.SUBMIT), actor, now)

    assert isinstance(result, Refusal)
    assert result.code == "window_closed"
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert (row["state"], row["version"], row["rma"]) == ("draft", 1, None)
    assert await Event.count() == 0
    assert await OutboxRow.count() == 0


async def test_a_stale_version_is_a_conflict_and_nothing_is_written(now: datetime) -> None:
    request_id, _ = await _submitted(now)
    reviewer = Actor(Role.REVIEWER, "staff:1")

    with pytest.raises(Conflict):
        await apply_action(
            request_id,
            Command(Action.APPROVE),
            reviewer,
            now,
            expected_version=1,  # the version before submit
        )

    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert (row["state"], row["version"]) == ("submitted", 2)
    assert await Event.count() == 1


async def test_two_staff_deciding_at_once_one_wins_and_the_other_is_told(now: datetime) -> None:
    request_id, _ = await _submitted(now)
    approve = apply_action(
        request_id,
        Command(Action.APPROVE),
        Actor(Role.REVIEWER, "staff:1"),
        now,
        expected_version=2,
    )
    reject = apply_action(
        request_id,
        Command(Action.REJECT, message="照片不清楚", reason_code="evidence_unclear"),
        Actor(Role.REVIEWER, "staff:2"),
        now,
        expected_version=2,
    )

    outcomes = await asyncio.gather(approve, reject, return_exceptions=True)

    assert sum(isinstance(o, Applied) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["version"] == 3
    decisions = await Event.select(Event.action).where(Event.action != "submit")
    assert len(decisions) == 1
    assert row["state"] == {"approve": "approved", "reject": "rejected"}[decisions[0]["action"]]


async def test_discarding_a_draft_keeps_nothing(now: datetime) -> None:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=5))
    request_id = await factories.draft(merchant_id, order_id, items)
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)

    result = await apply_action(request_id, Command(Action.DISCARD), actor, now)

    assert isinstance(result, Applied) and result.state is None
    assert await ReturnRequest.count() == 0
    assert await Event.count() == 0


async def test_a_merchant_cannot_act_on_another_merchants_request(now: datetime) -> None:
    request_id, _ = await _submitted(now)
    other = await factories.merchant()

    result = await apply_action(
        request_id, Command(Action.CANCEL), Actor(Role.MERCHANT, f"merchant:{other}", other), now
    )

    assert isinstance(result, Refusal) and result.code == "not_yours"
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["state"] == "submitted"


async def test_passing_inspection_unbinds_the_terminal_and_computes_the_refund(
    now: datetime,
) -> None:
    request_id, _ = await _submitted(now)
    steps = [
        (Command(Action.APPROVE), Actor(Role.REVIEWER, "staff:1")),
        (Command(Action.SHIP, carrier="顺丰", tracking_number="SF1234567890"), None),
        (
            Command(Action.RECEIVE, receipts=await _all_received(request_id)),
            Actor(Role.INSPECTOR, "staff:3"),
        ),
        (
            Command(Action.INSPECT_PASS, confirmed_serials=("SN-A",), checklist=tuple(CHECKLIST)),
            Actor(Role.INSPECTOR, "staff:3"),
        ),
    ]
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    merchant = Actor(Role.MERCHANT, f"merchant:{row['merchant']}", row["merchant"])
    for command, actor in steps:
        result = await apply_action(request_id, command, actor or merchant, now)
        assert isinstance(result, Applied), result

    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["state"] == "refund_pending"
    assert row["refund_amount_fen"] == 128000
    assert row["fee_payer"] == FeePayer.PLATFORM.value
    assert row["carrier"] == "顺丰"
    unit = await Terminal.select(Terminal.bound).where(Terminal.serial_number == "SN-A").first()
    assert unit["bound"] is False  # partners hear of it: tests/integration/test_webhook_events.py


async def test_a_policy_change_does_not_change_a_submitted_request(now: datetime) -> None:
    request_id, _ = await _submitted(now)
    stricter = DEFAULT_POLICY.to_dict() | {"version": 2, "ship_by_days": 3}
    await PolicyVersion.insert(PolicyVersion(version=2, body=stricter, reason="test"))

    result = await apply_action(
        request_id, Command(Action.APPROVE), Actor(Role.REVIEWER, "staff:1"), now
    )

    assert isinstance(result, Applied)
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row["policy_version"] == 1
    ship_by = row["ship_by"].replace(tzinfo=now.tzinfo)
    assert ship_by - now == timedelta(days=DEFAULT_POLICY.ship_by_days)
    assert row["state"] == State.APPROVED.value
