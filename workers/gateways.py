"""Gateways that carry SMS and e-mail out of ReturnDesk; every attempt is logged with its result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

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


async def deliver(gateway: Gateway, message: Outgoing) -> str:
    """Send once per key through the gateway and log the attempt, whether it succeeded or not."""
    if await already_sent(message.key):
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
