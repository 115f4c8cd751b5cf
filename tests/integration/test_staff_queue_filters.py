"""The queue's filters: channel, outlet, product and the dates of submission narrow the list,
stay in the URL, combine with each other, and anything crafted is ignored, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import AsyncTestClient

from db.tables import OrderItem, ReturnRequest
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _en(client: Client) -> None:
    client.headers["Accept-Language"] = "en"


async def _product_of(request_id: int) -> int:
    request = (
        await ReturnRequest.select(ReturnRequest.order)
        .where(ReturnRequest.id == request_id)
        .first()
    )
    row = (
        await OrderItem.select(OrderItem.product).where(OrderItem.order == request["order"]).first()
    )
    return int(row["product"])


async def test_channel_outlet_product_and_dates_narrow_the_queue(client: Client) -> None:
    now = datetime.now(UTC)
    merchant = await factories.merchant()
    outlet = await factories.outlet("SZ01")
    web_id, web_rma = await factories.submitted(merchant, now)
    counter_id, counter_rma = await factories.submitted(
        merchant, now, channel="outlet", outlet=outlet
    )
    old_id, old_rma = await factories.submitted(merchant, now - timedelta(days=10))
    await factories.staff_session(client, await factories.staff("wang", "reviewer"))

    async def listed(**query: str) -> set[str]:
        page = await client.get("/staff/queue", params=query)
        assert page.status_code == 200
        return {rma for rma in (web_rma, counter_rma, old_rma) if rma in page.text}

    assert await listed() == {web_rma, counter_rma, old_rma}
    assert await listed(channel="outlet") == {counter_rma}
    assert await listed(outlet=str(outlet)) == {counter_rma}
    assert await listed(product=str(await _product_of(web_id))) == {web_rma}
    shown_in = ZoneInfo("Asia/Shanghai")  # the display time zone dates are typed in
    today = now.astimezone(shown_in).date().isoformat()
    assert await listed(**{"from": today}) == {web_rma, counter_rma}
    ten_days_ago = (now - timedelta(days=10)).astimezone(shown_in).date().isoformat()
    assert await listed(to=ten_days_ago) == {old_rma}
    assert await listed(channel="web", **{"from": today}) == {web_rma}
    page = await client.get("/staff/queue", params={"channel": "outlet"})
    assert 'value="outlet" selected' in page.text  # the view stays as chosen
    assert old_id and counter_id


async def test_crafted_filters_are_ignored_and_crafted_days_are_a_400(client: Client) -> None:
    now = datetime.now(UTC)
    _, rma = await factories.submitted(await factories.merchant(), now)
    await factories.staff_session(client, await factories.staff("wang", "reviewer"))
    for query in ({"channel": "' OR 1=1 --"}, {"outlet": "99999999999999"}, {"product": "-1"}):
        page = await client.get("/staff/queue", params=query)
        assert page.status_code == 200 and rma in page.text, query
    client.headers["Accept-Language"] = "en"
    for query in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "2026-02-30"},
                  {"to": "２０２６-１２-０１"}, {"from": "x" * 500}):  # fmt: skip
        page = await client.get("/staff/queue", params=query)
        assert page.status_code == 400, query
        assert "Choose a date between 1 January 2000 and 31 December 2099." in page.text
