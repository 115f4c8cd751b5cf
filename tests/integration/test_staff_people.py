"""Supervisors manage staff accounts: create with a password that follows the rules, change,
deactivate (never themselves), each change in the audit log."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from db.tables import StaffUser
from tests.integration import factories

Client = AsyncTestClient  # type: ignore[type-arg]
GOOD = "blue-terminal-river-7"


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


async def _supervisor(client: Client) -> int:
    staff_id = await factories.staff("zhao", "supervisor")
    await factories.staff_session(client, staff_id)
    return staff_id


async def _create(client: Client, **fields: str) -> object:
    token = factories.token_in((await client.get("/staff/people/new")).text)
    data = {"username": "liqiang", "display_name": "质检 李强", "role": "inspector",
            "outlet": "", "password": GOOD, "_csrf_token": token, **fields}  # fmt: skip
    return await client.post("/staff/people", data=data)


async def test_a_supervisor_adds_an_account_that_can_then_sign_in(client: Client) -> None:
    await _supervisor(client)
    assert (await _create(client)).status_code == 303
    listed = await client.get("/staff/people")
    assert "质检 李强" in listed.text and "liqiang" in listed.text
    client.cookies.clear()
    token = factories.token_in((await client.get("/staff/login")).text)
    signed = await client.post(
        "/staff/login", data={"username": "liqiang", "password": GOOD, "_csrf_token": token}
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/staff/queue"


async def test_what_is_wrong_is_said_next_to_each_field_and_nothing_is_made(client: Client) -> None:
    await _supervisor(client)
    refused = await _create(client, username="Li Qiang!", password="password1234", role="counter")
    assert refused.status_code == 422
    assert "A user name has 3 to 60 characters" in refused.text
    assert "Counter staff serve one outlet: choose it." in refused.text
    assert "one of the most common" in refused.text
    assert 'value="质检 李强"' in refused.text  # what was typed is kept
    taken = await _create(client, username="zhao")
    assert taken.status_code == 422 and "Another account has this user name." in taken.text
    assert await StaffUser.count() == 1


async def test_deactivating_signs_the_account_out_and_nobody_deactivates_themselves(
    client: Client,
) -> None:
    me = await _supervisor(client)
    other = await factories.staff("wangfang", "reviewer")
    token = factories.token_in((await client.get("/staff/people")).text)
    assert (
        await client.post(f"/staff/people/{other}/active", data={"_csrf_token": token})
    ).status_code == 303
    rows = await StaffUser.select(StaffUser.id, StaffUser.active).order_by(StaffUser.id)
    assert {r["id"]: r["active"] for r in rows} == {me: True, other: False}
    await client.post(f"/staff/people/{me}/active", data={"_csrf_token": token})
    assert (await StaffUser.select(StaffUser.active).where(StaffUser.id == me))[0]["active"]
    log = await client.get("/staff/audit")
    assert "Deactivated a staff account" in log.text and "wangfang" in log.text


async def test_a_supervisor_changes_a_role_and_the_outlet_it_serves(client: Client) -> None:
    await _supervisor(client)
    outlet_id = await factories.outlet("SH01")
    other = await factories.staff("wangfang", "reviewer")
    form = await client.get(f"/staff/people/{other}")
    token = factories.token_in(form.text)
    changed = await client.post(
        f"/staff/people/{other}",
        data={
            "display_name": "网点 王芳",
            "role": "counter",
            "outlet": str(outlet_id),
            "_csrf_token": token,
        },
    )
    assert changed.status_code == 303
    row = (await StaffUser.select().where(StaffUser.id == other))[0]
    assert (row["role"], row["outlet"], row["display_name"]) == ("counter", outlet_id, "网点 王芳")
    assert (await client.get("/staff/people/99999999999999999999")).status_code == 404


async def test_only_supervisors_manage_accounts(client: Client) -> None:
    for role in ("reviewer", "inspector", "finance", "counter"):
        await factories.staff_session(client, await factories.staff(role, role))
        assert (await client.get("/staff/people")).status_code == 403, role
        token = factories.token_in((await client.get("/staff/queue")).text)
        made = await client.post(
            "/staff/people", data={"username": "x" + role, "_csrf_token": token}
        )
        assert made.status_code == 403


async def test_a_role_or_outlet_nobody_defined_is_refused_by_its_field(client: Client) -> None:
    await _supervisor(client)
    outlet = await factories.outlet("SZ01")
    accounts = await StaffUser.count()

    for fields, words in (
        ({"role": "bogus"}, "Choose one of the roles listed."),
        ({"role": "merchant"}, "Choose one of the roles listed."),
        ({"role": "counter", "outlet": "999999"}, "Choose one of the outlets listed."),
        ({"role": "counter", "outlet": "99999999999999999999"}, "Counter staff serve one outlet"),
    ):
        refused = await _create(client, **fields)
        assert refused.status_code == 422, fields
        assert words in refused.text, fields
    assert await StaffUser.count() == accounts

    made = await _create(client, role="counter", outlet=str(outlet))
    assert made.status_code == 303
    (row,) = await StaffUser.select(StaffUser.id, StaffUser.role).where(
        StaffUser.username == "liqiang"
    )
    token = factories.token_in((await client.get(f"/staff/people/{row['id']}")).text)
    edit = {"display_name": "李强", "outlet": "", "password": "", "_csrf_token": token}
    for fields in ({"role": "bogus"}, {"role": "counter", "outlet": "999999"}):
        refused = await client.post(f"/staff/people/{row['id']}", data={**edit, **fields})
        assert refused.status_code == 422, fields
    kept = await StaffUser.select(StaffUser.role, StaffUser.outlet).where(StaffUser.id == row["id"])
    assert kept == [{"role": "counter", "outlet": outlet}]
