"""The inspector's receiving scan and the supervisors' list of work that did not go out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.outbox import add_to_outbox
from db.tables import OutboxRow, ReturnItem
from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _redirects_as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _as(client: Client, role: str) -> None:
    await factories.staff_session(client, await factories.staff(role, role))


async def test_a_scanned_rma_or_link_opens_the_receipt(client: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    _, rma = await factories.submitted(merchant_id, now)
    await _as(client, "inspector")
    form = await client.get("/staff/receive")
    assert form.status_code == 200 and 'name="code"' in form.text
    for scanned in (rma, rma.lower().replace("-", " "), f"https://returns.example.com/r/{rma}"):
        opened = await client.get("/staff/receive", params={"code": scanned})
        assert opened.status_code == 303, scanned
        assert opened.headers["location"] == f"/staff/receive/{rma}"


async def _decide_at_dock(client: Client, rma: str, action: str, **fields: Any) -> Any:
    screen = await client.get(f"/staff/receive/{rma}")
    version = re.search(r'name="version" value="(\d+)"', screen.text)
    assert version, screen.text[-2000:]
    data = {"_csrf_token": factories.token_in(screen.text), "action": action,
            "version": version.group(1), "screen": "dock", **fields}  # fmt: skip
    return await client.post(f"/staff/requests/{rma}/decide", data=data)


async def test_the_dock_shows_one_action_per_screen_from_receipt_to_inspection(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await _as(client, "inspector")
    receipt = await client.get(f"/staff/receive/{rma}")
    assert 'value="receive"' in receipt.text and 'value="inspect_pass"' not in receipt.text
    items = await ReturnItem.select(ReturnItem.order_item).where(ReturnItem.request == request_id)
    received = await _decide_at_dock(
        client, rma, "receive", **{f"receipt-{i['order_item']}": "received" for i in items}
    )
    assert received.status_code == 303 and received.headers["location"] == f"/staff/receive/{rma}"
    inspection = await client.get(f"/staff/receive/{rma}")
    assert (
        'value="inspect_pass"' in inspection.text and 'value="inspect_fail"' not in inspection.text
    )
    assert f'href="/staff/receive/{rma}?act=inspect_fail"' in inspection.text
    failing = await client.get(f"/staff/receive/{rma}?act=inspect_fail")
    assert 'value="inspect_fail"' in failing.text and 'value="inspect_pass"' not in failing.text
    refused = await _decide_at_dock(client, rma, "inspect_fail", message="外壳有裂纹")
    assert refused.status_code == 422 and 'name="screen" value="dock"' in refused.text
    assert "Scan another parcel" in refused.text  # still the dock, with what to put right


async def test_a_scan_that_names_no_request_says_so_and_keeps_the_text(client: Client) -> None:
    await _as(client, "inspector")
    unknown = await client.get("/staff/receive", params={"code": "RD2612-AAAA-BBBB"})
    assert unknown.status_code == 404
    assert "No return request has this number" in unknown.text
    assert 'value="RD2612-AAAA-BBBB"' in unknown.text


async def test_receiving_belongs_to_inspectors(client: Client) -> None:
    assert (await client.get("/staff/receive")).status_code == 303  # signed out: sign in
    await _as(client, "reviewer")
    refused = await client.get("/staff/receive")
    assert refused.status_code == 403
    assert "Your own work is in your queue." in refused.text


async def _dead(now: datetime, key: str) -> None:
    await add_to_outbox(key=key, job="send_notification", payload={}, due_at=now)
    await OutboxRow.update(
        {OutboxRow.dead_at: now, OutboxRow.attempts: 8, OutboxRow.last_error: "SMS provider: 503"}
    ).where(OutboxRow.key == key)


async def test_supervisors_see_work_that_gave_up_and_try_it_again(
    client: Client, now: datetime
) -> None:
    await _dead(now, "notify:1:approve:sms")
    await _dead(now, "notify:2:reject:sms")
    await add_to_outbox(
        key="notify:3:late", job="send_notification", payload={}, due_at=now - timedelta(hours=2)
    )
    await _as(client, "supervisor")
    page = await client.get("/staff/outbox")
    assert page.status_code == 200
    assert "notify:1:approve:sms" in page.text and "SMS provider: 503" in page.text
    assert "notify:3:late" in page.text  # waiting far longer than it should
    token = factories.token_in(page.text)
    one = await client.post("/staff/outbox/notify:1:approve:sms/retry", data={"_csrf_token": token})
    assert one.status_code == 303 and one.headers["location"] == "/staff/outbox?retried=1"
    revived = await OutboxRow.select(OutboxRow.dead_at, OutboxRow.attempts).where(
        OutboxRow.key == "notify:1:approve:sms"
    )
    assert revived[0]["dead_at"] is None and revived[0]["attempts"] == 0
    rest = await client.post("/staff/outbox/retry", data={"_csrf_token": token})
    assert rest.headers["location"] == "/staff/outbox?retried=1"
    assert await OutboxRow.count().where(OutboxRow.dead_at.is_not_null()) == 0
    log = await client.get("/staff/audit")
    assert "Tried work that gave up again" in log.text and "notify:1:approve:sms" in log.text


async def test_only_supervisors_see_the_outbox(client: Client) -> None:
    for role in ("reviewer", "inspector", "finance", "counter"):
        await _as(client, role)
        assert (await client.get("/staff/outbox")).status_code == 403, role
        token = factories.token_in((await client.get("/staff/queue")).text)
        assert (
            await client.post("/staff/outbox/retry", data={"_csrf_token": token})
        ).status_code == 403
