"""The supervisors' dashboard over real requests and decisions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from domain.lifecycle import Action
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _english(client: Client) -> None:
    client.headers["Accept-Language"] = "en"
    client.follow_redirects = False


async def test_the_dashboard_counts_what_was_submitted_and_how_it_was_decided(
    client: Client, now: datetime
) -> None:
    merchant_id = await factories.merchant()
    made = [await factories.submitted(merchant_id, now - timedelta(days=2)) for _ in range(4)]
    await factories.staff_decides(
        made[0][0], Action.APPROVE, now - timedelta(days=2) + timedelta(hours=3)
    )
    late = now - timedelta(days=1) + timedelta(hours=1)  # 25 hours after they came
    await factories.staff_decides(made[1][0], Action.APPROVE, late)
    await factories.staff_decides(
        made[2][0], Action.REJECT, late, reason_code="other", message="No."
    )
    await factories.submitted(merchant_id, now - timedelta(days=40))  # outside the 30 days
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    page = await client.get("/staff/dashboard")
    assert page.status_code == 200
    figures = dict(
        (label, value)
        for label, value in __import__("re").findall(
            r"<dt>([^<]+)</dt><dd><strong>([^<]+)</strong>", page.text
        )
    )
    assert figures["Requests submitted"] == "4"
    assert figures["Rejected, of those decided"] == "33%"
    # one decided within 3 hours, two after 25 (past the 24-hour review deadline), and one not
    # decided at all two days on
    assert figures["Review deadlines missed"] == "3"
    assert figures["Time to a decision, median"] == "25 hours"
    assert "<svg" in page.text and "Quality defect" in page.text
    wider = await client.get("/staff/dashboard", params={"days": "90"})
    assert "<dt>Requests submitted</dt><dd><strong>5</strong>" in wider.text


async def test_the_dashboard_is_for_supervisors(client: Client) -> None:
    await factories.staff_session(client, await factories.staff("wangfang", "reviewer"))
    assert (await client.get("/staff/dashboard")).status_code == 403


async def test_the_operations_panel_shows_waiting_and_dead_work_and_failing_partners(
    client: Client, now: datetime
) -> None:
    from db.outbox import add_to_outbox
    from db.partner_tables import PartnerEvent, WebhookDelivery, WebhookSubscription
    from db.tables import OutboxRow

    await factories.staff_session(client, await factories.staff("qian", "supervisor"))
    calm = await client.get("/staff/dashboard")
    assert "deliveries are going through." in calm.text
    for n in range(3):
        await add_to_outbox(key=f"probe:{n}", job="send_notification", payload={},
                            due_at=now - timedelta(minutes=20))  # fmt: skip
    await OutboxRow.update({OutboxRow.dead_at: now}).where(OutboxRow.key == "probe:0")
    merchant_id = await factories.merchant()
    request_id, _ = await factories.submitted(merchant_id, now - timedelta(days=2))
    client_id, _key = await factories.api_client(name="收银系统甲")
    subscription = (await WebhookSubscription.insert(WebhookSubscription(
        client=client_id, url="https://hooks.example.com/rd", secret_enc="x")).returning(WebhookSubscription.id))[0]["id"]  # fmt: skip
    event = (await PartnerEvent.insert(PartnerEvent(
        event_id="evt_probe", request=request_id, client=client_id, type="return.submitted",
        occurred_at=now)).returning(PartnerEvent.id))[0]["id"]  # fmt: skip
    await WebhookDelivery.insert(WebhookDelivery(event=event, subscription=subscription,
                                                 request_id=request_id, attempts=3))  # fmt: skip
    waiting = await OutboxRow.count().where(
        OutboxRow.done_at.is_null() & OutboxRow.dead_at.is_null()
    )
    assert waiting >= 2  # the two probes, and what the submitted request set going
    page = await client.get("/staff/dashboard")
    panel = page.text.split('id="ops-heading"')[1].split("</section>")[0]
    assert f"<dt>Work waiting to be done</dt><dd><strong>{waiting}</strong>" in panel
    assert re.search(r"the oldest for \d+ (minutes|hours|days)", panel)
    assert "<dt>Work out of tries</dt><dd><strong>1</strong>" in panel
    assert 'href="/staff/outbox"' in panel
    assert '<th scope="row">收银系统甲</th><td>1</td><td>0</td>' in panel
