"""What a newcomer sees after `make dev`: the provider's sample exports taken in through the import
path, a few weeks of activity on them, and every staff role's screens with something on them.
Running it again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar.testing import AsyncTestClient

from db.demo import STORIES, play_stories
from db.s3_files import file_store_for
from db.seed import DEMO_STAFF, seed_demo, seed_demo_api_client
from db.tables import (
    Event,
    ImportRun,
    Merchant,
    OrderItem,
    ReturnRequest,
    SideCase,
    StaffUser,
    Terminal,
)
from settings import Settings
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


async def _make_dev() -> None:
    settings = Settings.from_env()
    now = datetime.now(UTC)
    await seed_demo(now, settings.timezone)
    await seed_demo_api_client("", now)
    await play_stories(now, file_store_for(settings), settings.secret_key)


async def _counts() -> tuple[int, ...]:
    return (await Merchant.count(), await OrderItem.count(), await Terminal.count(),
            await ImportRun.count(), await ReturnRequest.count(), await Event.count(),
            await SideCase.count())  # fmt: skip


async def test_make_dev_shows_a_living_admin_and_a_second_run_adds_nothing(client: Client) -> None:
    await _make_dev()
    runs = await ImportRun.select(ImportRun.file_name, ImportRun.status, ImportRun.refused)
    assert {r["file_name"] for r in runs} == {"merchants-gbk.csv", "products-gbk.csv",
                                              "orders.xlsx", "terminals-gbk.csv"}  # fmt: skip
    assert all(r["status"] == "done" and r["refused"] == 0 for r in runs)
    states = {r["state"] for r in await ReturnRequest.select(ReturnRequest.state)}
    assert states >= {"submitted", "needs_info", "approved", "in_transit", "received",
                      "refund_pending", "refunded", "rejected", "appealed", "inspection_failed",
                      "cancelled"}  # fmt: skip
    channels = {r["channel"] for r in await ReturnRequest.select(ReturnRequest.channel)}
    assert channels == {"web", "outlet", "partner"}
    assert await ReturnRequest.count() == len(STORIES)
    before = await _counts()
    await _make_dev()
    assert await _counts() == before

    client.follow_redirects = False
    for staff in DEMO_STAFF:  # every role finds work waiting for it
        row = await StaffUser.select(StaffUser.id).where(StaffUser.username == staff.username)
        await factories.staff_session(client, row[0]["id"])
        queue = await client.get("/staff/queue")
        assert queue.status_code == 200
        assert 'href="/staff/requests/RD' in queue.text, staff.username
        assert "暂无待办" not in queue.text
        if staff.role == "supervisor":
            dashboard = await client.get("/staff/dashboard")
            assert dashboard.status_code == 200
            assert (
                "此期间没有退货申请" not in dashboard.text and '<svg class="bars"' in dashboard.text
            )
