"""Session cookies read one way: a session planted beside the victim's is refused, not taken for
either; outside development the cookies are host-bound (`__Host-`), so a sibling subdomain cannot
plant one at all."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from litestar.testing import AsyncTestClient

from db.tables import Message, StaffUser
from settings import Settings
from tests.integration import factories
from web.app import create_app
from web.cookies import SESSION
from web.csrf import token_for

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture(autouse=True)
def _as_answered(client: Client) -> None:
    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"


def _planted(attacker: str, victim: str) -> dict[str, str]:
    """The Cookie header of a browser holding a cookie planted with a longer Path (sent first)
    beside the victim's own."""
    return {"Cookie": f"{SESSION}={attacker}; {SESSION}={victim}"}


async def test_a_planted_session_beside_a_supervisors_creates_no_account(
    client: Client, settings: Settings
) -> None:
    attacker = await factories.staff_token(await factories.staff("mallory", "reviewer"))
    victim = await factories.staff_token(await factories.staff("zhao", "supervisor"))
    before = await StaffUser.count()

    response = await client.post(
        "/staff/people",
        data={
            "username": "mallory2",
            "display_name": "M",
            "role": "supervisor",
            "outlet": "",
            "password": "blue-terminal-river-7",
            "_csrf_token": token_for(settings.secret_key, attacker),
        },
        headers=_planted(attacker, victim),
    )

    assert response.status_code == 400
    assert "sign in again" in response.text
    assert await StaffUser.count() == before


async def test_a_planted_session_beside_a_merchants_posts_nothing(
    client: Client, settings: Settings, now: datetime
) -> None:
    victim_id = await factories.merchant()
    _, rma = await factories.submitted(victim_id, now)
    attacker = await factories.session_for(await factories.merchant("13900139000"))
    victim = await factories.session_for(victim_id)

    response = await client.post(
        f"/returns/{rma}/messages",
        data={"body": "cancel it", "_csrf_token": token_for(settings.secret_key, attacker)},
        headers=_planted(attacker, victim),
    )

    assert response.status_code == 400
    assert await Message.count() == 0
    # either order: which of the two is whose cannot be told
    reversed_order = await client.get(f"/returns/{rma}", headers=_planted(victim, attacker))
    assert reversed_order.status_code == 400


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[Client]:
    """The app as production runs it (DEBUG off), reached over HTTPS."""
    app = create_app(dataclasses.replace(settings, debug=False))
    async with AsyncTestClient(app=app, base_url="https://returns.example.com") as client:
        client.follow_redirects = False
        yield client


async def test_in_production_session_cookies_are_host_bound(production: Client) -> None:
    await factories.staff("wangfang", "reviewer", password="a-long-test-passphrase")
    form = await production.get("/staff/login")
    visitor = form.headers["set-cookie"]
    assert visitor.startswith("__Host-rd_visit=")

    signed_in = await production.post(
        "/staff/login",
        data={
            "username": "wangfang",
            "password": "a-long-test-passphrase",
            "_csrf_token": factories.token_in(form.text),
        },
    )

    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("__Host-rd_session=")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert {"secure", "httponly", "path=/"} <= set(attributes)
    assert not any(part.startswith("domain=") for part in attributes)
    assert (await production.get("/staff/queue")).status_code == 200
    # a cookie without the prefix (what a sibling subdomain could set) is no session here
    token = production.cookies.get("__Host-rd_session")
    production.cookies.clear()
    planted = await production.get("/staff/queue", headers={"Cookie": f"{SESSION}={token}"})
    assert planted.status_code == 303 and planted.headers["location"].startswith("/staff/login")
