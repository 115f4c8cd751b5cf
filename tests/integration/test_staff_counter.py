"""Counter registration: the walk-in merchant confirms with an SMS code, the counter files the
return in their name (channel and outlet recorded), approves a change-of-mind return on the
spot where the policy allows it; a supervisor may override a closed window with a reason.
Nothing is filed without the merchant's code, and a refused registration leaves nothing."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from db.crypto import open_code
from db.policies import current_policy, ensure_policy
from db.tables import Event, GatewayMessage, OutboxRow, PolicyVersion, ReturnRequest
from tests.integration import factories
from tests.integration.test_html_valid import nu_errors
from workers.gateways import DevOutboxGateway
from workers.notify import send_sign_in_code

Client = AsyncTestClient  # type: ignore[type-arg]
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _counter(client: Client, role: str = "counter") -> int:
    outlet = await factories.outlet("SZ01") if role == "counter" else None
    staff_id = await factories.staff("desk", role, outlet_id=outlet)
    await factories.staff_session(client, staff_id)
    return staff_id


async def _post(client: Client, path: str, **data: Any) -> Any:
    token = await factories.csrf_token(client, "/staff/register")
    return await client.post(path, data={"_csrf_token": token, **data})


async def _code_sent(client: Client) -> str:
    sent = await _post(client, "/staff/register", phone="138 1234 5678")
    assert sent.status_code == 303 and sent.headers["location"] == "/staff/register/code"
    newest = OutboxRow.select().where(OutboxRow.job == "send_sign_in_code").order_by(OutboxRow.id, ascending=False)  # fmt: skip
    row = await newest.output(load_json=True).first()
    assert row is not None and row["payload"]["phone"] == PHONE
    return open_code(os.environ["SECRET_KEY"], row["payload"]["sealed_code"])


async def _confirmed(client: Client, merchant: int, days_ago: int = 5) -> tuple[int, list[int]]:
    order = await factories.order(merchant, datetime.now(UTC) - timedelta(days=days_ago))
    code = await _code_sent(client)
    confirmed = await _post(client, "/staff/register/code", code=code)
    assert confirmed.headers["location"] == "/staff/register/orders"
    return order


async def _policy(**rules: Any) -> None:
    await ensure_policy()
    version, policy = await current_policy()
    changed = replace(policy, version=version + 1, **rules)
    await PolicyVersion.insert(PolicyVersion(version=version + 1, body=changed.to_dict()))


def _png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_a_counter_registers_and_approves_a_change_of_mind_return_on_the_spot(
    client: Client, tmp_path: Path
) -> None:
    await _policy(counter_approves_change_of_mind=True)
    merchant = await factories.merchant(phone=PHONE, name="深圳便利店")
    await _counter(client)
    order_id, items = await _confirmed(client, merchant)
    listed = await client.get("/staff/register/orders")
    assert (
        "Registering for 深圳便利店." in listed.text
        and f"/staff/register/orders/{order_id}" in listed.text
    )
    form = await client.get(f"/staff/register/orders/{order_id}")
    refused = await _post(client, f"/staff/register/orders/{order_id}", reason="")
    assert refused.status_code == 422
    pages = {"orders": listed.text, "form": form.text, "refused": refused.text,
             "code": (await client.get("/staff/register")).text}  # fmt: skip
    assert nu_errors(pages, tmp_path) == []
    registered = await _post(client, f"/staff/register/orders/{order_id}", item=str(items[0]),
                             reason="change_of_mind", resolution="refund", approve_now="on")  # fmt: skip
    assert registered.status_code == 303
    row = await ReturnRequest.select().where(ReturnRequest.merchant == merchant).first()
    assert row["state"] == "approved" and row["channel"] == "outlet" and row["outlet"] is not None
    assert registered.headers["location"] == f"/staff/requests/{row['rma']}"
    events = await Event.select(Event.action, Event.actor_role).where(Event.request == row["id"]).order_by(Event.id)  # fmt: skip
    assert events == [{"action": "submit", "actor_role": "counter"},
                      {"action": "approve", "actor_role": "counter"}]  # fmt: skip
    screen = await client.get(registered.headers["location"])
    assert screen.status_code == 200 and row["rma"] in screen.text


async def test_without_the_policy_switch_the_counter_registers_and_a_reviewer_decides(
    client: Client,
) -> None:
    merchant = await factories.merchant(phone=PHONE)
    await _counter(client)
    order_id, items = await _confirmed(client, merchant)
    await _post(client, f"/staff/register/orders/{order_id}", item=str(items[0]),
                reason="change_of_mind", resolution="exchange", approve_now="on")  # fmt: skip
    row = await ReturnRequest.select(ReturnRequest.state, ReturnRequest.resolution).first()
    assert row == {"state": "submitted", "resolution": "exchange"}


async def test_the_merchant_gets_an_sms_naming_the_outlet_and_the_log_masks_the_code(
    client: Client,
) -> None:
    await factories.merchant(phone=PHONE)
    await _counter(client)
    code = await _code_sent(client)
    key = (await OutboxRow.select(OutboxRow.key).first())["key"]
    worker = {"gateway": DevOutboxGateway(show_codes=False), "job_try": 1,
              "secret_key": os.environ["SECRET_KEY"]}  # fmt: skip
    assert await send_sign_in_code(worker, key) == "sent"
    sent = await GatewayMessage.select(GatewayMessage.body).first()
    assert "网点 SZ01" in sent["body"] and code not in sent["body"]


async def test_a_wrong_code_confirms_nobody_and_nothing_can_be_filed_without_one(
    client: Client,
) -> None:
    merchant = await factories.merchant(phone=PHONE)
    order_id, items = await factories.order(merchant, datetime.now(UTC) - timedelta(days=3))
    await _counter(client)
    assert (await client.get("/staff/register/orders")).headers["location"] == "/staff/register"
    code = await _code_sent(client)
    wrong = await _post(
        client, "/staff/register/code", code="000000" if code != "000000" else "111111"
    )
    assert wrong.status_code == 422 and "That code is not right" in wrong.text
    filed = await _post(client, f"/staff/register/orders/{order_id}", item=str(items[0]),
                        reason="change_of_mind", resolution="refund")  # fmt: skip
    assert filed.headers["location"] == "/staff/register"
    assert await ReturnRequest.count() == 0


async def test_an_unknown_number_is_said_plainly_and_no_sms_goes_out(client: Client) -> None:
    await _counter(client)
    refused = await _post(client, "/staff/register", phone="13900001111")
    assert (
        refused.status_code == 422 and "No merchant account has this phone number" in refused.text
    )
    bad = await _post(client, "/staff/register", phone="12345")
    assert bad.status_code == 422 and "11-digit mobile number" in bad.text
    assert await OutboxRow.count() == 0


async def test_a_reason_that_needs_photos_is_refused_without_them_and_leaves_nothing(
    client: Client,
) -> None:
    merchant = await factories.merchant(phone=PHONE)
    await _counter(client)
    order_id, items = await _confirmed(client, merchant)
    path = f"/staff/register/orders/{order_id}"
    refused = await _post(
        client, path, item=str(items[0]), reason="quality_defect", resolution="refund"
    )
    assert refused.status_code == 422 and "Add at least one photo" in refused.text
    assert await ReturnRequest.count() == 0
    token = await factories.csrf_token(client, "/staff/register")
    with_photo = await client.post(
        path,
        data={
            "_csrf_token": token,
            "item": str(items[0]),
            "reason": "quality_defect",
            "resolution": "refund",
        },
        files=[("files", ("defect.png", _png(), "image/png"))],
    )
    assert with_photo.status_code == 303
    assert (await ReturnRequest.select(ReturnRequest.state).first())["state"] == "submitted"


async def test_a_closed_window_stops_a_counter_and_a_supervisor_overrides_it_with_a_reason(
    client: Client,
) -> None:
    merchant = await factories.merchant(phone=PHONE)
    await _counter(client)
    order_id, items = await _confirmed(client, merchant, days_ago=45)
    listed = await client.get("/staff/register/orders")
    assert f"/staff/register/orders/{order_id}" not in listed.text
    path = f"/staff/register/orders/{order_id}"
    data = {"item": str(items[0]), "reason": "change_of_mind", "resolution": "refund"}
    refused = await _post(client, path, **data, override_reason="customer is a VIP")
    assert refused.status_code == 422 and "A supervisor can override it" in refused.text
    client.cookies.clear()
    await _counter_as_supervisor(client)
    await _confirmed(client, merchant, days_ago=45)
    without_reason = await _post(client, path, **data)
    assert (
        without_reason.status_code == 422
        and "Say why the closed return window is overridden." in without_reason.text
    )
    overridden = await _post(client, path, **data, override_reason="物流延误导致超期，客服已核实")
    assert overridden.status_code == 303
    submit = (
        await Event.select(Event.actor_role, Event.message).where(Event.action == "submit").first()
    )
    assert submit == {"actor_role": "supervisor", "message": "物流延误导致超期，客服已核实"}


async def _counter_as_supervisor(client: Client) -> None:
    staff_id = await factories.staff("boss", "supervisor")
    await factories.staff_session(client, staff_id)


@pytest.mark.parametrize("role", ["reviewer", "inspector", "finance"])
async def test_other_roles_cannot_register(client: Client, role: str) -> None:
    await factories.staff_session(client, await factories.staff("x", role))
    assert (await client.get("/staff/register")).status_code == 403
    assert (await client.get("/staff/register/orders")).status_code == 403
