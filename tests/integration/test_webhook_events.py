"""What partners hear of: every change to a request a partner client filed becomes an event, in
the change's own transaction — state changes, the terminal's unbinding, every message the
merchant's side may read (never a staff note), each document version — delivered to each of
the client's subscriptions that wants it. A request no partner filed writes nothing."""

from __future__ import annotations

import os
from datetime import datetime

from db.conversations import post_message
from db.documents import record_document
from db.partners import revoke_client
from db.returns import Applied, apply_action
from db.snapshots import load_snapshot
from db.tables import OutboxRow, PartnerEvent, WebhookDelivery
from db.webhook_subscriptions import add_subscription, change_subscription
from domain.inspection import CHECKLIST
from domain.lifecycle import Action, Actor, Command, Role
from domain.terms import ItemReceipt
from tests.integration import factories
from tests.integration.webhook_receiver import webhook_receiver
from tests.integration.webhook_setup import (
    deliver_webhooks,
    partner,
    partner_request,
    sender_for_tests,
)

REVIEWER = Actor(Role.REVIEWER, "staff:7")
INSPECTOR = Actor(Role.INSPECTOR, "staff:9")


async def _events(request_id: int) -> list[dict[str, object]]:
    return await (
        PartnerEvent.select(PartnerEvent.event_id, PartnerEvent.type, PartnerEvent.data)
        .where(PartnerEvent.request == request_id)
        .order_by(PartnerEvent.id)
        .output(load_json=True)
    )


async def _a_return_from_submit_to_refund(request_id: int, now: datetime) -> None:
    """The merchant and staff talk (a staff note among it), then the request is approved,
    shipped, received and passes inspection; its authorization is made."""
    before = await load_snapshot(request_id)
    merchant_id = before.merchant_id
    merchant = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    for actor, body, internal in (
        (merchant, "包装盒还要寄回吗？", False),
        (REVIEWER, "需要，请一并寄回。", False),
        (REVIEWER, "该商户本月第三次退货", True),
    ):
        posted = await post_message(request_id, actor, "", body, now, internal=internal)
        assert isinstance(posted, int), posted
    serials = tuple(item.serial_number or "" for item in before.items)
    arrived = tuple((item.order_item_id, ItemReceipt.RECEIVED) for item in before.items)
    for command, actor in (
        (Command(Action.APPROVE), REVIEWER),
        (Command(Action.SHIP, carrier="顺丰", tracking_number="SF1234567890"), merchant),
        (Command(Action.RECEIVE, receipts=arrived), INSPECTOR),
        (Command(Action.INSPECT_PASS, confirmed_serials=serials, checklist=tuple(CHECKLIST)),
         INSPECTOR),
    ):  # fmt: skip
        assert isinstance(await apply_action(request_id, command, actor, now), Applied)
    number = await record_document(request_id=request_id, kind="authorization",
                                   facts_sha256="a" * 64, stored_name="a.pdf", size=1,
                                   locale="zh_CN", now=now)  # fmt: skip
    assert number == 1


async def test_a_partners_receiver_hears_of_every_change_message_and_document_in_order(
    now: datetime,
) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, _, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        request_id, _ = await partner_request(client_id, now, serials=("SN-P0001",))
        await _a_return_from_submit_to_refund(request_id, now)
        await deliver_webhooks(sender)
        await sender.close()

    heard = [hit.payload for hit in receiver.delivered()]
    assert [p["type"] for p in heard] == [
        "return.submitted",
        "message.created",
        "message.created",
        "return.approved",
        "return.in_transit",
        "return.received",
        "terminal.unbound",
        "return.refund_pending",
        "document.ready",
    ]
    assert [p["id"] for p in heard] == [e["event_id"] for e in await _events(request_id)]
    said = [p["data"]["body"] for p in heard if p["type"] == "message.created"]
    assert said == ["包装盒还要寄回吗？", "需要，请一并寄回。"]  # the staff note is never sent
    reply = heard[2]["data"]
    assert (reply["by"], reply["staff_number"]) == ("reviewer", "0007")
    unbound = heard[6]["data"]
    assert unbound["serial_numbers"] == ["SN-P0001"] and unbound["to_state"] == "refund_pending"
    assert heard[-1]["data"]["kind"] == "authorization" and heard[-1]["data"]["number"] == 1
    # each carries the request as the API's GET shows it, when the event was first sent
    request = heard[-1]["data"]["request"]
    assert request["id"] == request_id and request["state"] == "refund_pending"
    assert request["channel"] == "partner"


async def test_each_subscription_hears_only_the_types_it_asked_for(now: datetime) -> None:
    key = os.environ["SECRET_KEY"]
    client_id, everything, _ = await partner("https://partner.example.com/all")
    approvals, _ = await add_subscription(
        client_id, "https://partner.example.com/approvals", ["return.approved"], key, now
    )
    switched_off, _ = await add_subscription(
        client_id, "https://partner.example.com/off", [], key, now
    )
    await change_subscription(
        client_id, switched_off, url="https://partner.example.com/off", events=[], active=False
    )
    request_id, _ = await partner_request(client_id, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)

    deliveries = await WebhookDelivery.select(
        WebhookDelivery.subscription, WebhookDelivery.event.type.as_alias("type")
    ).order_by(WebhookDelivery.id)
    assert [(d["subscription"], d["type"]) for d in deliveries] == [
        (everything, "return.submitted"),
        (everything, "return.approved"),
        (approvals, "return.approved"),
    ]
    keys = await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "deliver_webhook")
    assert sorted(row["key"] for row in keys) == sorted(
        f"webhook:{d['id']}" for d in await WebhookDelivery.select(WebhookDelivery.id)
    )


async def test_a_revoked_client_keeps_its_events_but_nothing_is_sent(now: datetime) -> None:
    client_id, _, _ = await partner("https://partner.example.com/hooks")
    request_id, _ = await partner_request(client_id, now)
    await revoke_client(client_id, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    assert [e["type"] for e in await _events(request_id)] == [
        "return.submitted",
        "return.approved",
    ]
    assert await WebhookDelivery.count() == 1  # the one queued before it was revoked


async def test_a_request_no_partner_filed_writes_no_event_and_no_delivery(now: datetime) -> None:
    await partner("https://partner.example.com/hooks")  # a partner exists, subscribed
    merchant_id = await factories.merchant()
    request_id, _ = await factories.submitted(merchant_id, now)
    await factories.message(request_id, merchant_id, "还在路上吗？", now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await record_document(request_id=request_id, kind="authorization", facts_sha256="b" * 64,
                          stored_name="b.pdf", size=1, locale="zh_CN", now=now)  # fmt: skip
    assert await PartnerEvent.count() == 0
    assert await WebhookDelivery.count() == 0
    assert await OutboxRow.count().where(OutboxRow.job == "deliver_webhook") == 0


async def test_the_terminal_management_system_hears_of_every_unbound_terminal_and_no_more(
    now: datetime,
) -> None:
    from datetime import UTC
    from datetime import datetime as moment

    from db.partners import create_client

    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        tms, _ = await create_client("终端管理系统", "partner", None, ["sync"], 600,
                                     moment.now(UTC))  # fmt: skip
        # subscribed to every type: it is still told of unbound terminals only
        _sub, secret = await add_subscription(tms, receiver.url, [], os.environ["SECRET_KEY"],
                                              moment.now(UTC))  # fmt: skip
        receiver.secrets.append(secret)
        merchant_id = await factories.merchant()
        request_id, _ = await factories.submitted(merchant_id, now, serials=("SN-TMS01",))
        await _a_return_from_submit_to_refund(request_id, now)  # filed on the web, not by it
        await deliver_webhooks(sender)
        await sender.close()
    heard = [hit.payload for hit in receiver.delivered()]
    assert [p["type"] for p in heard] == ["terminal.unbound"]
    assert heard[0]["data"]["serial_numbers"] == ["SN-TMS01"]
