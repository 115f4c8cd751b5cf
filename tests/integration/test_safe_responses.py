"""Every response is a safe response: the security headers on every kind of answer, HEAD where
GET is, an icon, a health check that knows a read-only database, and a 503 — in the user's
language, keeping what they typed — when the database or Redis does not answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import get
from litestar.testing import AsyncTestClient

from db.tables import ReturnRequest
from settings import Settings
from tests.integration import factories
from tests.integration.faults import read_only_database
from web.app import create_app
from web.security import SECURITY_HEADERS


def assert_safe(response: Any) -> None:
    for name in SECURITY_HEADERS:
        assert name in response.headers, (response.status_code, name)


@get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


async def test_every_kind_of_response_carries_the_security_headers(settings: Settings) -> None:
    app = create_app(settings)
    app.register(boom)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        token = await factories.csrf_token(client, "/login")
        answers = {
            200: await client.get("/"),
            404: await client.get("/no-such-page"),
            405: await client.delete("/login"),
            403: await client.post("/logout", data={"x": "1"}),
            413: await client.post(
                "/track",
                content=b"rma=" + b"x" * 400_000,
                headers={"content-type": "application/x-www-form-urlencoded", "x-csrftoken": token},
            ),
            500: await client.get("/boom"),
        }
        static = await client.get("/static/css/app.css")
    for status, response in answers.items():
        assert response.status_code == status
        assert_safe(response)
    assert static.status_code == 200
    assert_safe(static)
    assert "a bug" not in answers[500].text


async def test_head_works_wherever_get_does(client: Any) -> None:
    for path in ("/", "/login", "/track", "/healthz", "/favicon.ico", "/static/css/app.css"):
        response = await client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""
        assert_safe(response)


async def test_the_favicon_exists(client: Any) -> None:
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an .ico file


async def test_health_reports_a_database_that_takes_no_writes_and_names_no_exception(
    client: Any,
) -> None:
    async with read_only_database():
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "ok"}
    assert (await client.get("/healthz")).status_code == 200


async def _draft_at_step_2(client: Any, now: datetime) -> int:
    merchant_id = await factories.merchant()
    await factories.sign_in(client, merchant_id)
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3))
    return await factories.draft(merchant_id, order_id, items, reason=None)


async def test_a_database_that_refuses_writes_gets_a_503_and_the_draft_is_untouched(
    client: Any, now: datetime
) -> None:
    draft_id = await _draft_at_step_2(client, now)
    token = await factories.csrf_token(client, f"/returns/drafts/{draft_id}/step/2")
    step = {"reason": "other", "description": "屏幕闪烁", "_csrf_token": token}
    async with read_only_database():
        plain = await client.post(f"/returns/drafts/{draft_id}/step/2", data=step)
        htmx = await client.post(
            f"/returns/drafts/{draft_id}/step/2",
            data=step,
            headers={"HX-Request": "true", "x-csrftoken": token},
        )
    assert plain.status_code == 503
    assert "您填写的内容仍在表单中" in plain.text  # "what you typed is still in the form"
    assert_safe(plain)
    # htmx leaves the form as typed and puts the words above it
    assert htmx.status_code == 503 and htmx.headers["hx-retarget"] == "#service-alert"
    assert "<html" not in htmx.text and "您填写的内容仍在这里" in htmx.text
    row = await ReturnRequest.select(ReturnRequest.reason, ReturnRequest.version).where(
        ReturnRequest.id == draft_id
    )
    assert row[0] == {"reason": None, "version": 1}
    again = await client.post(
        f"/returns/drafts/{draft_id}/step/2", data=step, follow_redirects=False
    )
    assert again.status_code == 303  # once the database is back, the same post goes through


async def test_redis_that_does_not_answer_gets_a_503_page_in_the_users_language(
    settings: Settings,
) -> None:
    broken = replace(settings, redis_url="redis://127.0.0.1:1/0")
    async with AsyncTestClient(app=create_app(broken), base_url="http://127.0.0.1") as client:
        client.headers["Accept-Language"] = "en"
        client.cookies.set("rd_session", "someone", domain="127.0.0.1")
        response = await client.get("/notifications")
    assert response.status_code == 503
    assert "ReturnDesk is briefly unavailable" in response.text
    # a page asked for, not a form sent: it says to try again, not that a form was kept
    assert "We cannot show this page just now" in response.text
    assert_safe(response)


@pytest.mark.parametrize(
    "lang,words", [("zh-CN", "找不到此页面"), ("en", "We can't find this page")]
)
async def test_the_routers_own_404_speaks_the_visitors_language(
    client: Any, lang: str, words: str
) -> None:
    response = await client.get("/nope", headers={"Accept-Language": lang})
    assert response.status_code == 404 and words in response.text
