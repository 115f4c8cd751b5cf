"""Merchant sign-in with a one-time SMS code: expiry, single use, tries, rate limits, sessions."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from db.tables import GatewayMessage
from tests.integration import factories

PHONE = "13800138000"


async def _request_code(client: AsyncTestClient, deliver_outbox, phone: str = PHONE) -> str:  # type: ignore[no-untyped-def,type-arg]
    token = await factories.csrf_token(client, "/login")
    response = await client.post(
        "/login", data={"phone": phone, "next": "/", "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    await deliver_outbox()
    sms = (
        await GatewayMessage.select()
        .where(GatewayMessage.recipient == phone)
        .order_by(GatewayMessage.id, ascending=False)
        .first()
    )
    assert sms is not None, "the code went out by SMS"
    code = re.search(r"\b(\d{6})\b", sms["body"])
    assert code
    return code.group(1)


async def _enter_code(client: AsyncTestClient, code: str, next_path: str = "/"):  # type: ignore[no-untyped-def,type-arg]
    token = await factories.csrf_token(client, "/login/code")
    return await client.post(
        "/login/code",
        data={"code": code, "next": next_path, "_csrf_token": token},
        follow_redirects=False,
    )


async def test_a_merchant_signs_in_with_the_code_from_the_sms(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE, name="上海小杨生煎")
    code = await _request_code(client, deliver_outbox)

    page = await client.get("/login/code")
    assert "138****8000" in page.text and PHONE not in page.text.replace(f'value="{PHONE}"', "")

    signed_in = await _enter_code(client, code)
    assert signed_in.status_code == 303
    home = await client.get("/")
    assert "上海小杨生煎" in home.text
    assert "退出登录" in home.text


async def test_the_sms_is_in_chinese_and_says_how_long_the_code_lasts(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    await _request_code(client, deliver_outbox)
    sms = await GatewayMessage.select().where(GatewayMessage.recipient == PHONE).first()
    assert "验证码" in sms["body"] and "5 分钟" in sms["body"]


async def test_a_code_works_once(client: AsyncTestClient, deliver_outbox) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    code = await _request_code(client, deliver_outbox)
    assert (await _enter_code(client, code)).status_code == 303
    await client.post("/logout", data={"_csrf_token": await factories.csrf_token(client, "/")})

    # A replay: the pending sign-in is gone, and with a fresh one the old code is dead.
    await _request_code(client, deliver_outbox)
    replay = await _enter_code(client, code)
    assert replay.status_code == 422 or "验证码" in replay.text


async def test_five_wrong_tries_end_the_code(client: AsyncTestClient, deliver_outbox) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    code = await _request_code(client, deliver_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = await _enter_code(client, wrong)
        assert response.status_code == 422
        assert "验证码不正确" in response.text
    sixth = await _enter_code(client, code)
    assert sixth.status_code == 422
    assert "输错次数过多" in sixth.text


async def test_at_most_five_codes_per_phone_an_hour(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    for _ in range(5):
        await _request_code(client, deliver_outbox)
    token = await factories.csrf_token(client, "/login")
    sixth = await client.post("/login", data={"phone": PHONE, "next": "/", "_csrf_token": token})
    assert sixth.status_code == 422
    assert "次数过多" in sixth.text
    assert await GatewayMessage.count().where(GatewayMessage.recipient == PHONE) == 5


async def test_a_bad_number_is_explained_and_kept(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    token = await factories.csrf_token(client, "/login")
    response = await client.post(
        "/login", data={"phone": "12345", "next": "/", "_csrf_token": token}
    )
    assert response.status_code == 422
    assert "11 位手机号" in response.text
    assert 'value="12345"' in response.text


async def test_login_answers_alike_for_a_registered_and_an_unknown_number(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    answers = []
    for phone in (PHONE, "13911112222"):
        client.cookies.clear()
        token = await factories.csrf_token(client, "/login")
        response = await client.post(
            "/login",
            data={"phone": phone, "next": "/", "_csrf_token": token},
            follow_redirects=False,
        )
        code_page = await client.get(response.headers["location"])
        answers.append((response.status_code, code_page.status_code))
        assert "如果" in code_page.text and "已在我们这里登记" in code_page.text
        # a wrong code reads the same for both: nothing tells which numbers are merchants'
        wrong = await client.post(
            "/login/code",
            data={
                "code": "000000",
                "next": "/",
                "_csrf_token": await factories.csrf_token(client, "/login/code"),
            },
        )
        assert wrong.status_code == 422 and "验证码不正确" in wrong.text
    assert answers == [(303, 200), (303, 200)]
    await deliver_outbox()
    # only the registered number was sent a code
    assert [m["recipient"] for m in await GatewayMessage.select()] == [PHONE]


async def test_unknown_numbers_count_against_the_limits(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    for attempt in range(6):
        client.cookies.clear()
        token = await factories.csrf_token(client, "/login")
        response = await client.post(
            "/login",
            data={"phone": "13911112222", "next": "/", "_csrf_token": token},
            follow_redirects=False,
        )
        expected = 303 if attempt < 5 else 422
        assert response.status_code == expected, attempt
    assert "获取验证码次数过多" in response.text


async def test_the_session_id_changes_at_sign_in_and_dies_at_sign_out(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    # planted where the site's own cookie goes, which the new session's replaces
    client.cookies.set("rd_session", "planted-by-someone-else", domain="127.0.0.1")
    code = await _request_code(client, deliver_outbox)
    await _enter_code(client, code)
    sessions = [c.value for c in client.cookies.jar if c.name == "rd_session"]
    session = next(value for value in sessions if value != "planted-by-someone-else")
    assert session

    await client.post("/logout", data={"_csrf_token": await factories.csrf_token(client, "/")})
    # Even a copy of the old cookie no longer signs anyone in: the server forgot it.
    client.cookies.clear()
    client.cookies.set("rd_session", session, domain="127.0.0.1")
    home = await client.get("/")
    assert "退出登录" not in home.text


async def test_a_page_that_needs_a_merchant_sends_to_sign_in_and_back(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    response = await client.get("/notifications", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fnotifications"

    await client.get(response.headers["location"])
    token = await factories.csrf_token(client, "/login?next=%2Fnotifications")
    await client.post(
        "/login", data={"phone": PHONE, "next": "/notifications", "_csrf_token": token}
    )
    await deliver_outbox()
    sms = await GatewayMessage.select().first()
    code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)  # type: ignore[union-attr]
    signed_in = await _enter_code(client, code, "/notifications")
    assert signed_in.headers["location"] == "/notifications"


async def test_the_dev_outbox_shows_sent_messages_in_development(
    client: AsyncTestClient, deliver_outbox
) -> None:  # type: ignore[no-untyped-def,type-arg]
    await factories.merchant(phone=PHONE)
    await _request_code(client, deliver_outbox)
    page = await client.get("/dev/outbox")
    assert page.status_code == 200
    assert PHONE in page.text and "验证码" in page.text


async def test_there_is_no_dev_outbox_when_debug_is_off(settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from web.app import create_app

    async with AsyncTestClient(app=create_app(replace(settings, debug=False))) as client:
        assert (await client.get("/dev/outbox")).status_code == 404
