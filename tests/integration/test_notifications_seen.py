"""A notification is read once its request has been seen: opening the request's page (kept or
rendered anew), or the page showing a change as it happens, reads that request's notifications
and the bell drops; other requests' notifications stay unread."""

from __future__ import annotations

import re
from datetime import datetime

from litestar.testing import AsyncTestClient

from db.tables import Notification
from domain.lifecycle import Action, FeePayer
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def _unread(request_id: int) -> int:
    return await Notification.count().where(
        (Notification.request == request_id) & Notification.read_at.is_null()
    )


async def test_opening_a_request_reads_its_notifications_and_the_bell_drops(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    other_id, _other = await factories.submitted(merchant_id, now)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="请补拍序列号")
    await factories.sign_in(client, merchant_id)
    assert "通知，3 条未读" in (await client.get("/")).text

    page = await client.get(f"/returns/{rma}")

    assert page.status_code == 200
    assert "通知，1 条未读" in page.text  # the other request's, not yet seen
    assert await _unread(request_id) == 0
    assert await _unread(other_id) == 1
    assert "通知，1 条未读" in (await client.get("/")).text


async def test_a_kept_page_still_reads_what_arrived_since(client: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    await factories.sign_in(client, merchant_id)
    await client.get(f"/returns/{rma}")  # rendered and kept for this version
    # a reminder changes nothing on the request: the page is the kept one
    await Notification.insert(
        Notification(merchant=merchant_id, request=request_id, kind="expiring_soon", params={})
    )

    again = await client.get(f"/returns/{rma}")

    assert await _unread(request_id) == 0
    assert "条未读" not in again.text


async def test_a_change_shown_live_on_the_page_is_read(client: Client, now: datetime) -> None:
    merchant_id = await factories.merchant()
    request_id, rma = await factories.submitted(merchant_id, now)
    other_id, _other = await factories.submitted(merchant_id, now)
    await factories.sign_in(client, merchant_id)
    page = await client.get(f"/returns/{rma}")
    poll = re.search(r'data-hx-get="([^"]+/status\?v=[^"]+)"', page.text)
    assert poll
    await factories.staff_decides(request_id, Action.APPROVE, now, fee_payer=FeePayer.PLATFORM)

    changed = await client.get(poll.group(1), headers={"HX-Request": "true"})

    assert changed.status_code == 200 and "已通过，待寄回" in changed.text
    assert 'aria-label="通知，1 条未读"' in changed.text  # the bell, the other request's
    assert await _unread(request_id) == 0
    assert await _unread(other_id) == 1
