"""SMS and e-mail as the workers send them: to whom, and the log of every attempt."""

from __future__ import annotations

from dataclasses import dataclass

from db.tables import Event, GatewayMessage


@dataclass(frozen=True)
class Recipient:
    phone: str  # the request's contact phone, else the merchant's
    email: str
    locale: str


async def recipient_for_event(event_id: int) -> Recipient | None:
    """Who is told about this event (None if the event or its request is gone)."""
    row = await (
        Event.select(
            Event.request.contact_phone,
            Event.request.merchant.phone,  # type: ignore[union-attr]
            Event.request.merchant.email,  # type: ignore[union-attr]
            Event.request.merchant.locale,  # type: ignore[union-attr]
        )
        .where(Event.id == event_id)
        .first()
    )
    if row is None or row["request.merchant.phone"] is None:
        return None
    return Recipient(
        phone=row["request.contact_phone"] or row["request.merchant.phone"],
        email=row["request.merchant.email"] or "",
        locale=row["request.merchant.locale"] or "zh_CN",
    )


async def already_sent(key: str) -> bool:
    """A gateway accepted this key before: a job that died after sending must not send again."""
    return await GatewayMessage.exists().where(
        (GatewayMessage.key == key) & (GatewayMessage.status == "sent")
    )


async def log_attempt(
    *,
    key: str,
    channel: str,
    recipient: str,
    body: str,
    gateway: str,
    status: str,
    error: str = "",
    response: str = "",
) -> None:
    await GatewayMessage.insert(
        GatewayMessage(
            key=key,
            channel=channel,
            recipient=recipient,
            body=body,
            gateway=gateway,
            status=status,
            error=error[:2000],
            response=response[:2000],
        )
    )
