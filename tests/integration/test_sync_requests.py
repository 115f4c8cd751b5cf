"""What a sync does to return requests: nothing to what a request was decided on (it keeps its
own copy of the order's facts from submit), a "changed since submitted" note for staff where
the provider's data now differs, and a raised risk when a returned terminal takes a payment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.snapshots import load_snapshot
from db.tables import Merchant, Order, OrderItem, ReturnRequest
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
async def key() -> str:
    _id, made = await factories.api_client(scopes=("sync",), name="订单系统")
    return made


async def sync(client: Client, key: str, kind: str, *records: dict[str, Any]) -> Any:
    answer = await client.post(f"/api/v1/sync/{kind}", json={"records": list(records)},
                               headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    assert answer.status_code == 200 and not answer.json()["errors"], answer.text
    return answer.json()


def an_order(completed: datetime, price: int) -> dict[str, Any]:
    return {"order_no": "DD-K-1", "merchant_external_id": "M-K", "paid_total_fen": price,
            "completed_at": completed.isoformat(),
            "items": [{"line_no": 1, "sku": "P8", "quantity": 1, "unit_price_fen": price,
                       "serial_numbers": ["P8KEPT001"]}]}  # fmt: skip


async def test_a_request_keeps_what_it_was_submitted_on_and_staff_see_what_changed(
    client: Client, key: str, now: datetime
) -> None:
    await sync(client, key, "merchants",
               {"external_id": "M-K", "name": "静安店", "phones": ["13912345678"]})  # fmt: skip
    await sync(client, key, "products", {"sku": "P8", "name_zh": "智能POS终端 P8",
                                         "category": "terminal", "serialised": True})  # fmt: skip
    completed = now - timedelta(days=4)
    await sync(client, key, "orders", an_order(completed, 128000))
    await sync(client, key, "terminals", {"serial_number": "P8KEPT001", "mid": "898310058120001",
                                          "tid": "10000101", "bound": True, "activated": True})  # fmt: skip
    merchant_id = (await Merchant.select(Merchant.id).where(Merchant.external_id == "M-K"))[0]["id"]
    order_id = (await Order.select(Order.id).where(Order.order_no == "DD-K-1"))[0]["id"]
    line = (await OrderItem.select(OrderItem.id).where(OrderItem.order == order_id))[0]["id"]
    request_id = await factories.draft(merchant_id, order_id, [line])
    await factories.submit(request_id, merchant_id, now)
    before = await load_snapshot(request_id)

    await sync(client, key, "orders", an_order(completed - timedelta(days=20), 99000))
    await sync(client, key, "terminals", {"serial_number": "P8KEPT001", "mid": "898310058120001",
                                          "tid": "10000999", "bound": False, "activated": True})  # fmt: skip
    after = await load_snapshot(request_id)
    assert after.items[0].unit_price == before.items[0].unit_price
    assert (after.paid_total, after.order_completed_at) == (
        before.paid_total, before.order_completed_at)  # fmt: skip

    rma = (await ReturnRequest.select(ReturnRequest.rma).where(ReturnRequest.id == request_id))[0]
    staff_id = await factories.staff("reviewer1", "reviewer")
    await factories.staff_session(client, staff_id)
    page = await client.get(f"/staff/requests/{rma['rma']}")
    assert page.status_code == 200
    assert "提交后有变化" in page.text
    assert "已付金额现为 ¥990.00（提交时：¥1,280.00）" in page.text
    assert "P8KEPT001 已不再绑定该商户（提交时仍绑定）" in page.text
    assert "TID 10000999" in page.text

    await factories.sign_in(client, merchant_id)
    own = await client.get(f"/returns/{rma['rma']}")
    assert own.status_code == 200 and "提交后有变化" not in own.text


async def _risk(request_id: int) -> tuple[int, list[str]]:
    row = await ReturnRequest.select(ReturnRequest.risk_score, ReturnRequest.risk_findings).where(
        ReturnRequest.id == request_id
    ).output(load_json=True)  # fmt: skip
    return row[0]["risk_score"], [found["code"] for found in row[0]["risk_findings"]]


async def test_a_payment_after_the_return_was_requested_raises_its_risk_once(
    client: Client, key: str, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, _rma = await factories.submitted(merchant_id, now, serials=("P8PAID001",))
    score, codes = await _risk(request_id)
    assert "terminal_still_transacting" not in codes
    paid = datetime.now(UTC) + timedelta(minutes=5)
    for minutes in (0, 30):  # the second report of a later payment adds nothing more
        moment = (paid + timedelta(minutes=minutes)).isoformat()
        await sync(client, key, "terminals",
                   {"serial_number": "P8PAID001", "bound": True, "last_transaction_at": moment})  # fmt: skip
        assert await _risk(request_id) == (score + 30, [*codes, "terminal_still_transacting"])
    earlier = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    other_id, _ = await factories.submitted(merchant_id, now, serials=("P8PAID002",))
    await sync(client, key, "terminals",
               {"serial_number": "P8PAID002", "last_transaction_at": earlier})  # fmt: skip
    assert "terminal_still_transacting" not in (await _risk(other_id))[1]


async def test_a_terminal_that_paid_after_the_draft_began_is_a_finding_at_submit(
    client: Client, key: str, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3),
                                            serials=("P8PAID003",))  # fmt: skip
    request_id = await factories.draft(merchant_id, order_id, items)
    await sync(client, key, "terminals", {"serial_number": "P8PAID003", "bound": True,
               "last_transaction_at": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()})  # fmt: skip
    await factories.submit(request_id, merchant_id, now)
    assert "terminal_still_transacting" in (await _risk(request_id))[1]
