"""One unit, one live request: the claim on a serial number is a row the database guards, held
from submit until the request is cancelled, expires, or its rejection is final."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from db.returns import Applied, apply_action
from db.tables import OrderItem, ReturnRequest, SerialClaim, Terminal
from domain.lifecycle import Action, Actor, Command, Refusal, Role, State
from tests.integration import factories


def merchant_actor(merchant_id: int) -> Actor:
    return Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)


async def _drafts_for_one_unit(merchant_id: int, now: datetime, count: int) -> list[int]:
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3), serials=("SN-1",))
    return [await factories.draft(merchant_id, order_id, items) for _ in range(count)]


async def test_twenty_concurrent_submits_of_one_serial_number_make_exactly_one_request(
    now: datetime,
) -> None:
    merchant_id = await factories.merchant()
    drafts = await _drafts_for_one_unit(merchant_id, now, 20)
    results = await asyncio.gather(
        *(apply_action(d, Command(Action.SUBMIT), merchant_actor(merchant_id), now) for d in drafts)
    )
    applied = [r for r in results if isinstance(r, Applied)]
    refused = [r for r in results if isinstance(r, Refusal)]
    assert len(applied) == 1 and len(refused) == 19
    assert {r.code for r in refused} == {"already_returned"}
    assert all(applied[0].rma in r.message.params["rma"] for r in refused)  # says which request
    assert await ReturnRequest.count().where(ReturnRequest.state == "submitted") == 1
    assert await SerialClaim.count() == 1


async def _rejected(merchant_id: int, now: datetime) -> tuple[int, str]:
    request_id, rma = await factories.submitted(merchant_id, now, serials=("SN-R",))
    await factories.staff_decides(request_id, Action.REJECT, now, message="no", reason_code="other")
    return request_id, rma


async def _draft_for(merchant_id: int, now: datetime, serial: str) -> int:
    item = (
        await OrderItem.select(OrderItem.id, OrderItem.order)
        .where(OrderItem.serial_number == serial)
        .first()
    )
    return await factories.draft(merchant_id, item["order"], [item["id"]])


async def test_a_rejection_that_may_be_appealed_keeps_the_unit_and_says_to_appeal(
    now: datetime,
) -> None:
    merchant_id = await factories.merchant()
    _request_id, rma = await _rejected(merchant_id, now)
    second = await _draft_for(merchant_id, now, "SN-R")
    refusal = await apply_action(second, Command(Action.SUBMIT), merchant_actor(merchant_id), now)
    assert isinstance(refusal, Refusal) and refusal.code == "appeal_instead"
    assert refusal.message.params == {"serial": "SN-R", "rma": rma}


async def test_the_unit_is_free_again_once_the_rejection_is_final(now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, _rma = await _rejected(merchant_id, now)
    later = now + timedelta(days=16)  # the appeal window has passed: the system closes it
    await apply_action(request_id, Command(Action.CLOSE), Actor(Role.SYSTEM, "system"), later)
    assert await SerialClaim.count() == 0
    second = await _draft_for(merchant_id, later, "SN-R")
    result = await apply_action(second, Command(Action.SUBMIT), merchant_actor(merchant_id), later)
    assert isinstance(result, Applied)  # the order is still inside its 30 days


async def test_an_upheld_rejection_and_a_cancellation_release_the_unit(now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, _rma = await _rejected(merchant_id, now)
    actor = merchant_actor(merchant_id)
    await apply_action(request_id, Command(Action.APPEAL, "please look again"), actor, now)
    await factories.staff_decides(
        request_id, Action.UPHOLD, now, role="supervisor", staff_id="staff:9", message="stands"
    )
    assert await SerialClaim.count() == 0
    second = await _draft_for(merchant_id, now, "SN-R")
    assert isinstance(await apply_action(second, Command(Action.SUBMIT), actor, now), Applied)
    assert await SerialClaim.count() == 1
    await apply_action(second, Command(Action.CANCEL), actor, now)
    assert await SerialClaim.count() == 0


async def test_receiving_unbinds_the_confirmed_terminal_and_no_other(now: datetime) -> None:
    mine = await factories.merchant()
    request_id, _rma = await factories.submitted(mine, now, serials=("SN-SAME",))
    # the merchant's other terminal, on another order, is not part of the return
    await factories.order(mine, now - timedelta(days=3), serials=("SN-OTHER",))
    for action, role in (
        (Action.APPROVE, "reviewer"),
        (Action.RECEIVE, "inspector"),
    ):
        await factories.staff_decides(request_id, action, now, role=role)
    bound_before = await Terminal.select(Terminal.bound).where(Terminal.serial_number == "SN-SAME")
    assert bound_before == [{"bound": True}]  # received, not yet confirmed by inspection
    await factories.staff_decides(
        request_id, Action.INSPECT_PASS, now, role="inspector", confirmed_serials=("SN-SAME",)
    )
    bound = {
        row["serial_number"]: row["bound"]
        for row in await Terminal.select(Terminal.serial_number, Terminal.bound)
    }
    assert bound == {"SN-SAME": False, "SN-OTHER": True}
    state = await ReturnRequest.select(ReturnRequest.state).where(ReturnRequest.id == request_id)
    assert state[0]["state"] == State.REFUND_PENDING
