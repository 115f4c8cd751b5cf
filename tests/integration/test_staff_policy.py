"""Policy settings: supervisors save versions (who, when, why); requests keep the version they
were submitted under; with auto-approval on, a low-risk request with photos is approved at
submit by the system, and turning it off stops that at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar.testing import AsyncTestClient

from db.policies import current_policy, ensure_policy
from db.tables import Event, PolicyVersion, ReturnRequest, StaffAuditEntry
from domain.policy_edit import form_values
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _save(client: Client, **changes: str) -> object:
    page = await client.get("/staff/policy")
    version, _ = await current_policy()
    data = form_values((await current_policy())[1])
    data.update({"based_on": str(version), "change_reason": "试行自动审批",
                 "_csrf_token": factories.token_in(page.text), **changes})  # fmt: skip
    return await client.post("/staff/policy", data={k: v for k, v in data.items() if v})


async def _supervisor(client: Client) -> None:
    await ensure_policy()  # version 1, as `make dev` and every deployment start
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))


async def test_a_save_is_a_new_version_with_who_when_and_why(client: Client) -> None:
    await _supervisor(client)
    saved = await _save(client, ship_by_days="10")
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/policy?saved=2"
    page = await client.get("/staff/policy?saved=2")
    assert "Version 2 is now in force." in page.text and "试行自动审批" in page.text
    version, policy = await current_policy()
    assert version == 2 and policy.ship_by_days == 10
    assert await StaffAuditEntry.count().where(StaffAuditEntry.action == "change_policy") == 1


async def test_bad_numbers_are_named_and_change_nothing(client: Client) -> None:
    await _supervisor(client)
    refused = await _save(client, **{"window-terminal": "400", "change_reason": ""})
    assert refused.status_code == 422
    assert "Enter a whole number from 1 to 365." in refused.text
    assert "Say why the policy changes" in refused.text
    assert 'value="400"' in refused.text  # what was typed stays
    assert await PolicyVersion.count() <= 1


async def test_a_form_based_on_an_older_version_does_not_overwrite_the_newer_one(
    client: Client,
) -> None:
    await _supervisor(client)
    assert (await _save(client, ship_by_days="10")).status_code == 303
    stale = await _save(client, based_on="1", ship_by_days="20")
    assert stale.status_code == 409 and "saved a newer version meanwhile" in stale.text
    assert (await current_policy())[1].ship_by_days == 10


@pytest.mark.parametrize("role", ["reviewer", "inspector", "finance", "counter"])
async def test_only_supervisors_see_or_change_the_policy(client: Client, role: str) -> None:
    outlet = await factories.outlet("C1") if role == "counter" else None
    await factories.staff_session(client, await factories.staff("li", role, outlet_id=outlet))
    assert (await client.get("/staff/policy")).status_code == 403
    token = await factories.csrf_token(client, "/staff/queue")
    posted = await client.post("/staff/policy", data={"_csrf_token": token, "based_on": "1"})
    assert posted.status_code == 403 and await PolicyVersion.count() <= 1


async def test_with_auto_approval_on_a_low_risk_request_with_photos_is_approved_at_submit(
    client: Client,
) -> None:
    await _supervisor(client)
    assert (await _save(client, auto_approve_low_risk="on")).status_code == 303
    merchant = await factories.merchant()
    now = datetime.now(UTC)
    with_photo, rma = await factories.submitted(merchant, now)
    without, _ = await factories.submitted(merchant, now, reason="change_of_mind", evidence=0)
    states = {r["id"]: r["state"] for r in await ReturnRequest.select(ReturnRequest.id, ReturnRequest.state)}  # fmt: skip
    assert states == {with_photo: "approved", without: "submitted"}
    approval = (
        await Event.select()
        .where((Event.request == with_photo) & (Event.action == "approve"))
        .first()
    )
    assert approval["actor_role"] == "system" and approval["reason_code"] == "auto_approved"
    screen = await client.get(f"/staff/requests/{rma}")
    assert "approved automatically: low risk, with photos" in screen.text
    assert "Risk reasons at submit:" in screen.text
    # switched off: the next one waits for a reviewer
    assert (await _save(client, auto_approve_low_risk="")).status_code == 303
    later, _ = await factories.submitted(merchant, now)
    row = (
        await ReturnRequest.select(ReturnRequest.state, ReturnRequest.policy_version)
        .where(ReturnRequest.id == later)
        .first()
    )
    assert row == {"state": "submitted", "policy_version": 3}
