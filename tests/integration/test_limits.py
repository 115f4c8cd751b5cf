"""Limits that hold: counted on the real client address (X-Forwarded-For is nobody's to choose),
five code tries under forty concurrent guesses, counters that always expire, and a CSRF token
that belongs to one session."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from dev import web_command
from settings import PROJECT_ROOT
from tests.integration import factories
from web.csrf import token_for
from web.limits import Limit, allow

PHONE = "13812345678"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def web_server(tmp_path: Any) -> Iterator[str]:
    """The web server started the way `make dev` starts it (no TRUSTED_PROXIES)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_POOL_SIZE": "2"}
    env.pop("TRUSTED_PROXIES", None)
    process = subprocess.Popen(
        web_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, "web server did not start"
        time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


async def test_rotating_x_forwarded_for_does_not_buy_more_tracking_tries(web_server: str) -> None:
    async with httpx.AsyncClient(base_url=web_server) as client:
        token = factories.token_in((await client.get("/track")).text)
        codes = []
        for attempt in range(12):
            response = await client.post(
                "/track",
                data={"rma": "RD2612-0000-0000", "last4": f"{attempt:04d}", "_csrf_token": token},
                headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
            )
            codes.append(response.status_code)
    assert codes == [404] * 10 + [429] * 2


async def _pending_code(client: Any) -> str:
    """A sign-in under way for PHONE: the code page's CSRF token."""
    await factories.merchant(phone=PHONE)
    token = await factories.csrf_token(client, "/login")
    await client.post("/login", data={"phone": PHONE, "next": "/", "_csrf_token": token})
    return await factories.csrf_token(client, "/login/code")


async def test_forty_concurrent_guesses_get_exactly_five_comparisons(client: Any) -> None:
    client.headers["Accept-Language"] = "en"
    token = await _pending_code(client)
    guesses = await asyncio.gather(
        *(
            client.post(
                "/login/code",
                data={"code": f"{n:06d}", "next": "/", "_csrf_token": token},
            )
            for n in range(900_000, 900_040)
        )
    )
    wrong = sum("That code is not right" in g.text for g in guesses)
    too_many = sum("Too many wrong tries" in g.text for g in guesses)
    gone = sum("has expired or was already used" in g.text for g in guesses)
    assert (wrong, too_many, gone) == (5, 1, 34)


async def test_a_counter_left_without_expiry_gets_one() -> None:
    redis = Redis.from_url(os.environ["REDIS_URL"])
    limit = Limit("track:ip", most=10, window=600)
    # as a crash between INCR and EXPIRE used to leave it: counting, and never expiring
    await redis.set("ratelimit:track:ip:198.51.100.7", 3)
    assert await allow(redis, limit, "198.51.100.7")
    assert 0 < await redis.ttl("ratelimit:track:ip:198.51.100.7") <= 600
    assert await allow(redis, limit, "198.51.100.8")
    assert 0 < await redis.ttl("ratelimit:track:ip:198.51.100.8") <= 600
    await redis.aclose()


async def test_the_csrf_token_changes_at_sign_in_and_belongs_to_that_session(client: Any) -> None:
    merchant_id = await factories.merchant(phone=PHONE)
    before = await factories.csrf_token(client, "/login")
    await factories.sign_in(client, merchant_id)
    after = await factories.csrf_token(client, "/")
    assert before != after
    refused = await client.post("/logout", data={"_csrf_token": before})
    assert refused.status_code == 403  # a token from before sign-in is worth nothing now
    # nor is one from another merchant's session
    other = await factories.session_for(await factories.merchant())
    theirs = token_for(client.app.state.settings.secret_key, other)  # what their pages carry
    assert (await client.post("/logout", data={"_csrf_token": theirs})).status_code == 403
    assert (await client.post("/logout", data={"_csrf_token": after})).status_code == 200
