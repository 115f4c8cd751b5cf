"""Sending one webhook attempt without letting a partner's URL reach inside our network.

The host is resolved once per attempt and every address it resolves to must be on the public
internet (domain.webhooks.target_allowed); the connection then goes to that exact address — the
URL carries the IP, the Host header and TLS (SNI and the certificate check) keep the name — so a
name that resolves elsewhere a moment later (DNS rebinding) changes nothing. No redirects are
followed, no proxy or certificate settings are taken from the environment, the whole attempt has
10 seconds, and at most 64 KB of the answer is read."""

from __future__ import annotations

import asyncio
import socket
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import httpx

from domain.webhooks import (
    ANSWER_KEPT,
    ANSWER_READ_LIMIT,
    TIMEOUT_SECONDS,
    NoAnswer,
    target_allowed,
)

Resolver = Callable[[str, int], Awaitable[list[str]]]
KEPT_CLIENTS = 32  # receivers whose connections are kept open between attempts


class NotSent(Exception):
    """The attempt got no answer: refused before connecting, or the receiver not reached."""

    def __init__(self, reason: NoAnswer, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status_code: int
    head: str  # the answer's first bytes (ANSWER_KEPT), as text
    retry_after: str | None


async def resolve_host(host: str, port: int) -> list[str]:
    """Every address the name resolves to, as the system's resolver gives them."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class WebhookSender:
    """POSTs signed bodies to partners' receivers; one per worker process."""

    def __init__(
        self,
        *,
        allow_http: bool = False,
        allow_loopback: bool = False,
        resolve: Resolver = resolve_host,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.allow_http, self.allow_loopback = allow_http, allow_loopback
        self.resolve, self.timeout = resolve, timeout
        # one client per host name: its pool is keyed by address, and a connection opened
        # (and its certificate checked) for one name must never carry another's request
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        """The receiver's answer; NotSent when there was none."""
        parts = urlsplit(url)
        host, port = self._checked_target(parts)
        try:
            async with asyncio.timeout(self.timeout):
                address = await self._allowed_address(host, port)
                return await self._exchange(parts, host, port, address, headers, body)
        except TimeoutError:
            raise NotSent(NoAnswer.TIMEOUT, f"no answer within {self.timeout:g} s") from None
        except httpx.TimeoutException:
            raise NotSent(NoAnswer.TIMEOUT, f"no answer within {self.timeout:g} s") from None
        except httpx.InvalidURL as error:
            raise NotSent(NoAnswer.SCHEME, f"not a webhook address: {error}") from None
        except (httpx.HTTPError, OSError) as error:
            raise NotSent(NoAnswer.CONNECTION, f"{type(error).__name__}: {error}") from None

    def _checked_target(self, parts: SplitResult) -> tuple[str, int]:
        schemes = ("https", "http") if self.allow_http else ("https",)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = 0
        if parts.scheme not in schemes or not parts.hostname or not port or parts.username:
            raise NotSent(NoAnswer.SCHEME, f"not a webhook address: {parts.scheme}://…")
        try:  # the name as DNS, TLS and the Host header carry it
            return parts.hostname.encode("idna").decode("ascii"), port
        except UnicodeError:
            raise NotSent(NoAnswer.UNRESOLVED, "not a host name") from None

    async def _allowed_address(self, host: str, port: int) -> str:
        try:
            addresses = await self.resolve(host, port)
        except OSError as error:
            raise NotSent(NoAnswer.UNRESOLVED, f"{host}: {error}") from None
        if not addresses:
            raise NotSent(NoAnswer.UNRESOLVED, f"{host}: no address")
        refused = [
            a for a in addresses if not target_allowed(a, allow_loopback=self.allow_loopback)
        ]
        if refused:  # one bad address is enough: the resolver may hand out any of them
            raise NotSent(NoAnswer.ADDRESS, f"{host} resolves to {', '.join(refused)}")
        return addresses[0]

    async def _exchange(
        self,
        parts: SplitResult,
        host: str,
        port: int,
        address: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Answer:
        literal = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{literal}:{port}", fragment="").geturl()
        name = f"[{host}]" if ":" in host else host
        client = await self._client_for(host)
        request = client.build_request(
            "POST",
            target,
            content=body,
            headers={**headers, "host": f"{name}:{parts.port}" if parts.port else name},
            extensions={"sni_hostname": host} if parts.scheme == "https" else {},
        )
        response = await client.send(request, stream=True)
        try:
            head = await _read_head(response)
        finally:
            await response.aclose()
        return Answer(
            status_code=response.status_code,
            head=head[:ANSWER_KEPT].decode("utf-8", errors="replace"),
            retry_after=response.headers.get("retry-after"),
        )

    async def _client_for(self, host: str) -> httpx.AsyncClient:
        client = self._clients.pop(host, None)
        if client is None:
            client = httpx.AsyncClient(
                trust_env=False,
                follow_redirects=False,
                timeout=self.timeout,
                headers={"user-agent": "ReturnDesk-Webhooks/1"},
            )
        self._clients[host] = client
        while len(self._clients) > KEPT_CLIENTS:
            _, oldest = self._clients.popitem(last=False)
            await oldest.aclose()
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


async def _read_head(response: httpx.Response) -> bytes:
    """At most ANSWER_READ_LIMIT bytes of the answer, as sent (no decompression): a receiver
    that answers at length, or forever, costs us nothing past it."""
    read = bytearray()
    async for chunk in response.aiter_raw():
        read += chunk
        if len(read) >= ANSWER_READ_LIMIT:
            break
    return bytes(read[:ANSWER_READ_LIMIT])
