"""Who calls the partner API and how often: the key in `Authorization: Bearer …` names an active
client (web.api.access_middleware), each client has its own rate limit counted in Redis across
every web process (answered with the IETF RateLimit headers, and 429 with Retry-After past it),
and each operation names the scope it needs (a guard reads the handler's `opt`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis

from db.partners import ApiClient, client_for_key
from domain.partners import Scope as ApiScope
from domain.partners import missing_scope, parse_key
from web.api.problems import ApiProblem
from web.i18n import render_text
from web.limits import Limit, allow, attempts

WINDOW = 60  # seconds: limits are per minute


def _bearer(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1")[:300]
            kind, _sep, token = text.partition(" ")
            return token.strip() if kind.lower() == "bearer" else ""
    return ""


# keys that name no client, per address: guessing costs a read each, so a stream of them waits
KEY_FAILURES = Limit("api-key:ip", 30, 300)


async def _client(scope: Scope) -> ApiClient:
    app = scope["app"]
    redis: Redis = app.state.redis
    address = (scope.get("client") or ("unknown",))[0]  # the proxy's word only where trusted
    if await attempts(redis, KEY_FAILURES, address) >= KEY_FAILURES.most:
        raise ApiProblem(429, "rate_limited", headers={"Retry-After": str(KEY_FAILURES.window)})
    parsed = parse_key(_bearer(scope), test_keys=app.state.settings.debug)
    client = await client_for_key(*parsed, datetime.now(UTC)) if parsed else None
    if client is None:
        await allow(redis, KEY_FAILURES, address)
        raise ApiProblem(401, "unauthenticated", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return client


async def _count(redis: Redis, client: ApiClient) -> tuple[int, int]:
    """This request counted in the client's current minute: (requests so far, seconds left).
    One round trip, no transaction: the minute's counter is made with its expiry, then counted."""
    now = time.time()
    window = int(now // WINDOW)
    key = f"api-rate:{client.id}:{window}"
    async with redis.pipeline(transaction=False) as pipe:
        pipe.set(key, 0, ex=WINDOW + 5, nx=True)
        pipe.incr(key)
        _made, used = await pipe.execute()
    return int(used), max(1, int((window + 1) * WINDOW - now))


def _headers(client: ApiClient, used: int, reset: int) -> list[tuple[bytes, bytes]]:
    remaining = max(0, client.rate_limit - used)
    return [
        (b"ratelimit-policy", f'"default";q={client.rate_limit};w={WINDOW}'.encode()),
        (b"ratelimit", f'"default";r={remaining};t={reset}'.encode()),
    ]


def access_middleware(app: ASGIApp) -> ASGIApp:
    """Authenticate, then count: a request without a valid key is not counted against anyone."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        client = await _client(scope)
        used, reset = await _count(scope["app"].state.redis, client)
        headers = _headers(client, used, reset)
        if used > client.rate_limit:
            extra = {name.decode(): value.decode() for name, value in headers}
            raise ApiProblem(429, "rate_limited", headers={**extra, "Retry-After": str(reset)})
        scope["state"]["api_client"] = client

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                target = MutableScopeHeaders.from_message(message)
                for name, value in headers:
                    target.add(name.decode(), value.decode())
            await send(message)

        await app(scope, receive, counted)

    return middleware


def current_client(request: Request[Any, Any, Any]) -> ApiClient:
    client: ApiClient = request.state.api_client
    return client


async def scope_required(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Every operation names its scope in `opt={"scope": …}`; one without is refused to all."""
    needed = handler.opt.get("scope")
    client: ApiClient | None = connection.scope["state"].get("api_client")
    if client is None or not isinstance(needed, ApiScope):
        raise ApiProblem(403, "forbidden")
    refusal = missing_scope(client.scopes, needed)
    if refusal is not None:
        raise ApiProblem(403, "scope_missing", render_text(refusal))
