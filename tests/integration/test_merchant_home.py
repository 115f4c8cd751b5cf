"""The signed-in home lists a merchant's own requests, open first; the notification centre."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from litestar.testing import AsyncTestClient

from db.returns import Applied, apply_action
from db.tables import Notification
from domain.lifecycle import Action, Actor, Command, Role
from tests.integration import factories

_serials = itertools.count(1)


async def _submitted(merchant_id: int, now: datetime) -> str:
    order_id, items = await factories.order(
        merchant_id, now - timedelta(days=4), serials=(f"SN-{next(_serials)}",)
    )
    request_id = await factories.draft(merchant_id, order_id, items)
    result = await apply_action(
        request_id,
        Command(Action.SUBMIT),
        Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id),
        now,
    )
    assert isinstance(result, Applied) and result.rma
    return result.rma


async def test_home_lists_open_requests_with_their_next_step(
    client: AsyncTestClient, now: datetime
) -> None:  # type: ignore[type-arg]
    merchant_id = await factories.merchant(name="杭州知味茶馆")
    rma = await _submitted(merchant_id, now)
    await factories.sign_in(client, merchant_id)

    page = await client.get("/")

    assert rma in page.text
    assert "等待审核" in page.text or "待审核" in page.text
    assert "我们将在" in page.text or "审核" in page.text
    assert f'href="/returns/{rma}"' in page.text


async def test_home_shows_only_the_merchants_own_requests(
    client: AsyncTestClient, now: datetime
) -> None:  # type: ignore[type-arg]
    mine, theirs = await factories.merchant(), await factories.merchant()
    my_rma = await _submitted(mine, now)
    their_rma = await _submitted(theirs, now)
    await factories.sign_in(client, mine)

    page = await client.get("/")

    assert my_rma in page.text and their_rma not in page.text


async def test_closed_requests_come_after_open_ones(client: AsyncTestClient, now: datetime) -> None:  # type: ignore[type-arg]
    merchant_id = await factories.merchant()
    cancelled = await _submitted(merchant_id, now)
    open_rma = await _submitted(merchant_id, now)
    from db.tables import ReturnRequest

    row = await ReturnRequest.select(ReturnRequest.id).where(ReturnRequest.rma == cancelled).first()
    await apply_action(
        row["id"],
        Command(Action.CANCEL),
        Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id),
        now,
    )
    await factories.sign_in(client, merchant_id)

    text = (await client.get("/")).text

    assert text.index(open_rma) < text.index(cancelled)
    assert "已取消" in text


async def test_the_unread_badge_and_marking_notifications_read(
    client: AsyncTestClient, now: datetime
) -> None:  # type: ignore[type-arg]
    merchant_id = await factories.merchant()
    rma = await _submitted(merchant_id, now)
    await factories.sign_in(client, merchant_id)

    home = await client.get("/")
    assert "通知，1 条未读" in home.text

    centre = await client.get("/notifications")
    assert rma in centre.text and "已收到您的退货申请" in centre.text
    notice = await Notification.select(Notification.id).first()
    opened = await client.post(
        f"/notifications/{notice['id']}/read",
        data={
            "next": f"/returns/{rma}",
            "_csrf_token": await factories.csrf_token(client, "/notifications"),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303 and opened.headers["location"] == f"/returns/{rma}"
    assert "条未读" not in (await client.get("/")).text


async def test_mark_all_read(client: AsyncTestClient, now: datetime) -> None:  # type: ignore[type-arg]
    merchant_id = await factories.merchant()
    await _submitted(merchant_id, now)
    await _submitted(merchant_id, now)
    await factories.sign_in(client, merchant_id)
    assert "2 条未读" in (await client.get("/")).text

    await client.post(
        "/notifications/read-all",
        data={"_csrf_token": await factories.csrf_token(client, "/notifications")},
    )

    assert await Notification.count().where(Notification.read_at.is_null()) == 0


async def test_a_merchant_cannot_mark_another_merchants_notification(
    client: AsyncTestClient, now: datetime
) -> None:  # type: ignore[type-arg]
    owner, other = await factories.merchant(), await factories.merchant()
    await _submitted(owner, now)
    await factories.sign_in(client, other)
    notice = await Notification.select(Notification.id).first()

    await client.post(
        f"/notifications/{notice['id']}/read",
        data={"_csrf_token": await factories.csrf_token(client, "/notifications")},
    )

    assert await Notification.count().where(Notification.read_at.is_null()) == 1
