"""The lifecycle's corrections as the store writes them: notices that name their deadline,
drafts that tell no one, deadlines as columns, owners enforced for counters and partners, and a
failed inspection the merchant accepts before the goods go back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.returns import Applied, apply_action
from db.tables import GatewayMessage, Notification, OutboxRow, ReturnRequest
from domain.lifecycle import Action, Actor, Command, Refusal, Role
from tests.integration import factories
from tests.integration.queue import deliver_outbox
from texts import format_when


async def _row(request_id: int) -> dict[str, Any]:
    row = await ReturnRequest.select().where(ReturnRequest.id == request_id).first()
    assert row is not None
    return row


async def test_a_rejection_tells_the_merchant_until_when_they_may_appeal(
    client: Any, now: datetime
) -> None:
    merchant_id = await factories.merchant(phone="13800001234")
    request_id, _rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(
        request_id, Action.REJECT, now, message="worn", reason_code="other"
    )
    deadline = factories.aware((await _row(request_id))["appeal_deadline"])
    await deliver_outbox()
    sms = await GatewayMessage.select().where(GatewayMessage.key.like("notify:%"))
    [rejected] = [m["body"] for m in sms if "未通过审核" in m["body"]]
    # an SMS writes a plain space between the date and its hour (templates/messages/README.md)
    when = format_when(deadline, "zh_CN", "Asia/Shanghai").replace("\u00a0", " ")
    assert f"可在 {when} 前申请复审" in rejected
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    page = await client.get("/notifications")
    assert f"you may appeal until {format_when(deadline, 'en', 'Asia/Shanghai')}" in page.text


async def test_cancelling_or_discarding_a_draft_tells_no_one(now: datetime) -> None:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    for action in (Action.CANCEL, Action.DISCARD):
        draft = await factories.draft(merchant_id, order_id, items)
        assert isinstance(await apply_action(draft, Command(action), actor, now), Applied)
    assert await Notification.count() == 0
    assert await OutboxRow.count() == 0


async def test_each_queue_deadline_is_a_column_and_the_appeal_is_dated(now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, _rma = await factories.submitted(merchant_id, now)
    row = await _row(request_id)
    assert factories.aware(row["due_at"]) == factories.aware(row["review_due_at"])
    await factories.staff_decides(request_id, Action.REJECT, now, message="no", reason_code="other")
    row = await _row(request_id)
    assert factories.aware(row["due_at"]) == factories.aware(row["appeal_deadline"])
    actor = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    await apply_action(request_id, Command(Action.APPEAL, "please look again"), actor, now)
    row = await _row(request_id)
    assert factories.aware(row["appealed_at"]) == now
    assert factories.aware(row["due_at"]) == now + timedelta(hours=48)


async def test_counter_staff_act_only_on_their_own_outlets_requests(now: datetime) -> None:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    outlet = await factories.outlet("SH-01")
    draft = await factories.draft(merchant_id, order_id, items, outlet=outlet, channel="outlet")
    elsewhere = Actor(Role.COUNTER, "staff:40", outlet_id=await factories.outlet("BJ-01"))
    refused = await apply_action(draft, Command(Action.SUBMIT), elsewhere, now)
    assert isinstance(refused, Refusal) and refused.code == "not_yours"
    here = Actor(Role.COUNTER, "staff:41", outlet_id=outlet)
    assert isinstance(await apply_action(draft, Command(Action.SUBMIT), here, now), Applied)


async def test_failed_goods_go_back_only_after_the_merchant_accepts(now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, _rma = await factories.submitted(merchant_id, now)
    for action, role in ((Action.APPROVE, "reviewer"), (Action.RECEIVE, "inspector")):
        await factories.staff_decides(request_id, action, now, role=role)
    inspector = Actor(Role.INSPECTOR, "staff:3")
    photo = await factories.staged(request_id, inspector.id)
    failed = await apply_action(
        request_id,
        Command(Action.INSPECT_FAIL, "liquid inside"),
        inspector,
        now,
        staged_files=[photo],
    )
    assert isinstance(failed, Applied) and failed.state == "inspection_failed"
    send_back = Command(Action.RETURN_TO_MERCHANT, carrier="SF", tracking_number="SF1")
    early = await apply_action(request_id, send_back, inspector, now)
    assert isinstance(early, Refusal) and early.code == "appeal_still_open"
    merchant = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    assert isinstance(
        await apply_action(request_id, Command(Action.ACCEPT), merchant, now), Applied
    )
    done = await apply_action(request_id, send_back, inspector, now)
    assert isinstance(done, Applied) and done.state == "closed"
