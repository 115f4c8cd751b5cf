"""The supervisors' dashboard over real requests and decisions."""

from __future__ import annotations

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
