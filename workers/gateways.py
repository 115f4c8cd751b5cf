"""Gateways that carry SMS and e-mail out of ReturnDesk; every attempt is logged with its result.

The development outbox keeps everything on the machine; in production SMTP carries e-mail and
an HTTP SMS provider (configured by URL and key) carries SMS. A provider that refuses or cannot
be reached raises GatewayError, and the outbox tries again with backoff."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import httpx

from db.deliveries import already_sent, log_attempt


class GatewayError(Exception):
    """The provider refused or could not be reached; the outbox retries with backoff."""


@dataclass(frozen=True)
class Outgoing:
    key: str  # the outbox key: providers that take an idempotency key get it
    channel: str  # "sms" or "email"
    recipient: str
    body: str
    logged_body: str  # what the attempt log keeps (a sign-in code masked)
    subject: str = "ReturnDesk"  # e-mail only


class Gateway(Protocol):
    name: str
    keeps_clear_text: bool  # the attempt log may keep the body as sent (development only)

    async def send(self, message: Outgoing) -> str:
        """Send; the provider's answer (its message id). Raise GatewayError if refused."""
        ...


class DevOutboxGateway:
    """Development: nothing leaves the machine; the attempt log is the outbox /dev/outbox shows.

    With `show_codes` (DEBUG on) it keeps sign-in codes readable, so a developer can sign in."""

    name = "dev_outbox"

    def __init__(self, *, show_codes: bool = True) -> None:
        self.keeps_clear_text = show_codes

    async def send(self, message: Outgoing) -> str:
        return "kept in the development outbox"


class SmtpGateway:
    """E-mail through an SMTP server: smtp://user:password@host:587 (STARTTLS when the server
    offers it) or smtps://…:465 (TLS from the start)."""

    name = "smtp"
    keeps_clear_text = False

    def __init__(self, url: str, sender: str, *, timeout: float = 15) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:587")
        self.host, self.tls = parts.hostname, parts.scheme == "smtps"
        self.port = parts.port or (465 if self.tls else 587)
        self.username = unquote(parts.username or "") or None
        self.password = unquote(parts.password or "") or None
        self.sender, self.timeout = sender, timeout

    async def send(self, message: Outgoing) -> str:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.recipient, message.subject
        mail["Message-ID"] = f"<{message.key.replace(':', '.')}@returndesk>"  # the key: one mail
        mail.set_content(message.body)
        try:
            errors, answer = await aiosmtplib.send(
                mail, hostname=self.host, port=self.port, username=self.username,
                password=self.password, use_tls=self.tls, timeout=self.timeout,
            )  # fmt: skip
        except (aiosmtplib.SMTPException, OSError) as error:
            raise GatewayError(f"SMTP: {error}") from error
        if errors:
            raise GatewayError(f"SMTP refused {', '.join(errors)}")
        return answer[:500]


class HttpSmsGateway:
    """SMS through a provider's HTTP API: POST {to, text, idempotency_key} as JSON with the key
    as a bearer token; a 2xx answer is sent (its "id" kept), anything else is retried."""

    name = "http_sms"
    keeps_clear_text = False

    def __init__(self, url: str, key: str, *, timeout: float = 10) -> None:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("SMS_GATEWAY_URL must be an http(s) URL")
        self.url, self.key, self.timeout = url, key, timeout

    async def send(self, message: Outgoing) -> str:
        payload = {"to": message.recipient, "text": message.body, "idempotency_key": message.key}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.post(
                    self.url, json=payload, headers={"Authorization": f"Bearer {self.key}"}
                )
        except httpx.HTTPError as error:
            raise GatewayError(f"SMS provider unreachable: {type(error).__name__}") from error
        if not answer.is_success:
            raise GatewayError(f"SMS provider answered {answer.status_code}: {answer.text[:300]}")
        try:
            return str(answer.json().get("id", answer.text))[:500]
        except ValueError:
            return answer.text[:500]


class ByChannel:
    """SMS one way, e-mail another: each message goes to its channel's gateway."""

    def __init__(self, sms: Gateway, email: Gateway) -> None:
        self.gateways = {"sms": sms, "email": email}

    def pick(self, channel: str) -> Gateway:
        return self.gateways[channel]


async def deliver(
    gateway: Gateway | ByChannel, message: Outgoing, *, sent_before: bool | None = None
) -> str:
    """Send once per key through the gateway and log the attempt, whether it succeeded or not.
    `sent_before`: whether the attempt log holds a sent one, where the job read it already
    (after its claim, as here); otherwise it is looked up."""
    if isinstance(gateway, ByChannel):
        gateway = gateway.pick(message.channel)
    if sent_before if sent_before is not None else await already_sent(message.key):
        return "sent before"
    body = message.body if gateway.keeps_clear_text else message.logged_body
    try:
        answer = await gateway.send(message)
    except GatewayError as error:
        await log_attempt(
            key=message.key,
            channel=message.channel,
            recipient=message.recipient,
            body=body,
            gateway=gateway.name,
            status="failed",
            error=str(error),
        )
        raise
    await log_attempt(
        key=message.key,
        channel=message.channel,
        recipient=message.recipient,
        body=body,
        gateway=gateway.name,
        status="sent",
        response=answer,
    )
    return "sent"
