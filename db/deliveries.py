"""SMS and e-mail as the workers send them: to whom, and the log of every attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from db.sql import fetch
from db.tables import GatewayMessage


@dataclass(frozen=True)
class Recipient:
    phone: str  # the request's contact phone, else the merchant's
    email: str
    locale: str


# fixed SQL (see db.sql): every SMS a worker sends reads these, and Piccolo building the
# three-table join cost it more than the database answering
RECIPIENT_OF_EVENT = (
    "SELECT r.contact_phone, m.phone, m.email, m.locale FROM return_event e"
    " JOIN return_request r ON r.id = e.request JOIN merchant m ON m.id = r.merchant"
    " WHERE e.id = {}"
)
SENT = """SELECT 1 AS sent FROM gateway_message WHERE "key" = {} AND status = 'sent' LIMIT 1"""


async def recipient_for_event(event_id: int) -> Recipient | None:
    """Who is told about this event (None if the event or its request is gone)."""
    rows = await fetch(RECIPIENT_OF_EVENT, event_id)
    if not rows or rows[0]["phone"] is None:
        return None
    row = rows[0]
    return Recipient(
        phone=row["contact_phone"] or row["phone"],
        email=row["email"] or "",
        locale=row["locale"] or "zh_CN",
    )


async def already_sent(key: str) -> bool:
    """A gateway accepted this key before: a job that died after sending must not send again."""
    return bool(await fetch(SENT, key))


_ATTEMPT = (
    'INSERT INTO gateway_message ("key", channel, recipient, body, gateway, status, error,'
    " response, created_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {})"
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
    await GatewayMessage.raw(
        _ATTEMPT, key, channel, recipient, body, gateway, status, error[:2000], response[:2000],
        datetime.now(UTC),
    )  # fmt: skip
