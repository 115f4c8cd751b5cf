"""Gateways that carry SMS and e-mail out of ReturnDesk; every attempt is logged with its result."""

from __future__ import annotations

from typing import Protocol

from db.tables import GatewayMessage


class GatewayError(Exception):
    """The provider refused or could not be reached; the job retries with backoff."""


class Gateway(Protocol):
    name: str

    async def send(self, *, key: str, channel: str, recipient: str, body: str) -> None: ...


class DevOutboxGateway:
    """Development: nothing leaves the machine; messages are kept for /dev/outbox to show."""

    name = "dev_outbox"

    async def send(self, *, key: str, channel: str, recipient: str, body: str) -> None:
        return None  # the attempt log written by `deliver` is the outbox itself


async def deliver(gateway: Gateway, *, key: str, channel: str, recipient: str, body: str) -> None:
    """Send through the gateway and log the attempt, whether it succeeded or not."""
    try:
        await gateway.send(key=key, channel=channel, recipient=recipient, body=body)
    except GatewayError as error:
        await _log(gateway, key, channel, recipient, body, "failed", str(error))
        raise
    await _log(gateway, key, channel, recipient, body, "sent", "")


async def _log(
    gateway: Gateway, key: str, channel: str, recipient: str, body: str, status: str, error: str
) -> None:
    await GatewayMessage.insert(
        GatewayMessage(
            key=key,
            channel=channel,
            recipient=recipient,
            body=body,
            gateway=gateway.name,
            status=status,
            error=error,
        )
    )
