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


async def test_of_two_first_enrolments_at_once_only_the_first_key_signs_in(
    client: Client, second_browser: Client
) -> None:
    import pyotp

    await factories.staff("zhaolei", "supervisor")
    client.headers["Accept-Language"] = "en"
    for browser in (client, second_browser):
        browser.follow_redirects = False
        assert (await _try(browser, "zhaolei", PASSWORD)).headers["location"].endswith("/enrol")
    first = pyotp.TOTP(_secret_on((await client.get("/staff/login/enrol")).text))
    second = pyotp.TOTP(_secret_on((await second_browser.get("/staff/login/enrol")).text))
    assert first.secret != second.secret

    assert (await _code_post(client, "/staff/login/enrol", first.now())).status_code == 303
    late = await _code_post(second_browser, "/staff/login/enrol", second.now())

    assert late.status_code == 409 and "set up meanwhile, in another sign-in" in late.text
    assert (await second_browser.get("/staff/queue")).status_code == 303  # not signed in
    assert (await second_browser.get("/staff/login/enrol")).headers["location"] == "/staff/login"
    # signing in again asks for the code of the key that was stored, and only that one
    second_browser.cookies.clear()
    assert (await _try(second_browser, "zhaolei", PASSWORD)).headers["location"].endswith("/code")
    later = second.at(datetime.now(UTC), counter_offset=1)
    assert (await _code_post(second_browser, "/staff/login/code", later)).status_code == 422


@pytest.mark.parametrize("change", ["deactivate", "password", "role"])
async def test_deactivation_a_new_password_or_role_end_every_session_for_good(
    client: Client, second_browser: Client, change: str
) -> None:
    staff_id = await factories.staff("wangfang", "reviewer")
    await factories.staff_session(client, staff_id)
    assert (await client.get("/staff/queue")).status_code == 200
    supervisor = second_browser
    supervisor.follow_redirects = False
    await factories.staff_session(supervisor, await factories.staff("zhao", "supervisor"))
    form = await supervisor.get(f"/staff/people/{staff_id}")
    token = factories.token_in(form.text)

    if change == "deactivate":  # and back again: the cookie from before stays dead
        for _ in range(2):
            done = await supervisor.post(
                f"/staff/people/{staff_id}/active", data={"_csrf_token": token}
            )
            assert done.status_code == 303
    else:
        fields = {"display_name": "王芳", "role": "reviewer", "outlet": "", "password": "",
                  "_csrf_token": token}  # fmt: skip
        if change == "password":
            fields["password"] = "another-long-passphrase"
        else:
            fields["role"] = "inspector"
        done = await supervisor.post(f"/staff/people/{staff_id}", data=fields)
        assert done.status_code == 303

    response = await client.get("/staff/queue")
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    if change == "password":  # the new password signs in; the old one no longer does
        client.cookies.clear()
        assert (await _try(client, "wangfang", PASSWORD)).status_code == 422
        again = await _try(client, "wangfang", "another-long-passphrase")
        assert again.status_code == 303


async def test_an_edit_that_changes_only_the_name_keeps_the_session(
    client: Client, second_browser: Client
) -> None:
    staff_id = await factories.staff("wangfang", "reviewer")
    await factories.staff_session(client, staff_id)
    second_browser.follow_redirects = False
    await factories.staff_session(second_browser, await factories.staff("zhao", "supervisor"))
    token = factories.token_in((await second_browser.get(f"/staff/people/{staff_id}")).text)
    done = await second_browser.post(
        f"/staff/people/{staff_id}",
        data={
            "display_name": "王芳芳",
            "role": "reviewer",
            "outlet": "",
            "password": "",
            "_csrf_token": token,
        },
    )
    assert done.status_code == 303
    assert (await client.get("/staff/queue")).status_code == 200
