"""Staff sign-in at /staff/login: Argon2 passwords, the same answer for unknown names, growing
waits after wrong passwords held in Redis, and a new session at sign-in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from db.tables import StaffUser
from tests.integration import factories
from web.cookies import SESSION

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _redirects_as_answered(client: Client) -> None:
    client.follow_redirects = False  # the 303 and where it points are what is asserted


PASSWORD = "a-long-test-passphrase"


async def _try(client: Client, username: str, password: str) -> object:
    token = await factories.csrf_token(client, "/staff/login")
    return await client.post(
        "/staff/login",
        data={
            "username": username,
            "password": password,
            "next": "/staff/queue",
            "_csrf_token": token,
        },
    )


async def test_a_reviewer_signs_in_to_their_queue_under_a_new_session(client: Client) -> None:
    await factories.staff("wangfang", "reviewer")
    await client.get("/staff/login")
    before = client.cookies.get(SESSION)
    response = await _try(client, "wangfang", PASSWORD)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff/queue"
    assert client.cookies.get(SESSION) not in (None, before)
    queue = await client.get("/staff/queue")
    assert queue.status_code == 200
    assert "reviewer wangfang" in queue.text
    stored = await StaffUser.select(StaffUser.password_hash).where(StaffUser.username == "wangfang")
    assert stored[0]["password_hash"].startswith("$argon2id$")


async def test_a_wrong_password_and_an_unknown_name_get_the_same_words(client: Client) -> None:
    await factories.staff("wangfang", "reviewer")
    wrong = await _try(client, "wangfang", "not-the-password-at-all")
    unknown = await _try(client, "nobody-here", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 422
    assert "用户名或密码不正确" in wrong.text and "用户名或密码不正确" in unknown.text
    assert (await client.get("/staff/queue")).status_code in (302, 303)


async def test_after_five_wrong_passwords_even_the_right_one_waits(client: Client) -> None:
    await factories.staff("wangfang", "reviewer")
    client.headers["Accept-Language"] = "en"
    for _ in range(5):
        assert (await _try(client, "wangfang", "guess-guess-guess")).status_code == 422
    held = await _try(client, "wangfang", PASSWORD)
    assert held.status_code == 429
    assert "Too many wrong passwords. Please try again in 1 minute." in held.text
    # the name counts however it is typed
    assert (await _try(client, "  WangFang ", PASSWORD)).status_code == 429


async def test_a_deactivated_account_is_signed_out_on_its_next_click(client: Client) -> None:
    staff_id = await factories.staff("wangfang", "reviewer")
    await factories.staff_session(client, staff_id)
    assert (await client.get("/staff/queue")).status_code == 200
    await StaffUser.update({StaffUser.active: False}).where(StaffUser.id == staff_id)
    response = await client.get("/staff/queue")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")


async def test_signing_out_ends_the_session(client: Client) -> None:
    await factories.staff("wangfang", "reviewer")
    await _try(client, "wangfang", PASSWORD)
    token = await factories.csrf_token(client, "/staff/queue")
    assert (await client.post("/staff/logout", data={"_csrf_token": token})).status_code == 303
    assert (await client.get("/staff/queue")).status_code == 303


def _secret_on(page: str) -> str:
    import re

    found = re.search(r"<code>([A-Z2-7]{32})</code>", page)
    assert found, "the enrolment page shows the key to type in"
    return found.group(1)


async def _code_post(client: Client, path: str, code: str) -> Any:
    token = await factories.csrf_token(client, path)
    return await client.post(path, data={"code": code, "_csrf_token": token})


async def test_a_supervisor_enrols_a_second_factor_then_signs_in_with_it(client: Client) -> None:
    import pyotp

    await factories.staff("zhaolei", "supervisor")
    client.headers["Accept-Language"] = "en"
    password_only = await _try(client, "zhaolei", PASSWORD)
    assert password_only.headers["location"] == "/staff/login/enrol"
    assert (await client.get("/staff/queue")).status_code == 303  # a password alone is not enough
    enrol = await client.get("/staff/login/enrol")
    assert "<svg" in enrol.text and 'role="img"' in enrol.text
    totp = pyotp.TOTP(_secret_on(enrol.text))
    wrong = await _code_post(
        client, "/staff/login/enrol", "000000" if totp.now() != "000000" else "111111"
    )
    assert wrong.status_code == 422 and "This code is not right" in wrong.text
    used = totp.now()
    done = await _code_post(client, "/staff/login/enrol", used)
    assert done.status_code == 303 and done.headers["location"] == "/staff/queue"
    assert (await client.get("/staff/queue")).status_code == 200

    client.cookies.clear()
    again = await _try(client, "zhaolei", PASSWORD)
    assert again.headers["location"] == "/staff/login/code"
    replayed = await _code_post(client, "/staff/login/code", used)
    assert replayed.status_code == 422  # the code just used works once
    later = totp.at(datetime.now(UTC), counter_offset=1)  # the next step, within the drift allowed
    assert (await _code_post(client, "/staff/login/code", later)).status_code == 303


async def test_five_wrong_codes_end_the_attempt(client: Client) -> None:
    await factories.staff("zhaolei", "supervisor")
    client.headers["Accept-Language"] = "en"
    await _try(client, "zhaolei", PASSWORD)
    for _ in range(4):
        assert (await _code_post(client, "/staff/login/enrol", "12345")).status_code == 422
    ended = await _code_post(client, "/staff/login/enrol", "12345")
    assert ended.status_code == 429 and "Too many wrong codes" in ended.text
    assert (await client.get("/staff/login/enrol")).headers["location"] == "/staff/login"
