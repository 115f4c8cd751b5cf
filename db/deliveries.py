"""SMS and e-mail as the workers send them: to whom, and the log of every attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.sql import execute, fetch, fetch_for


@dataclass(frozen=True)
class Recipient:
    phone: str  # the request's contact phone, else the merchant's
    email: str
    locale: str


@dataclass(frozen=True)
class NotificationWork:
    """What a notification job needs, read at once: its row's payload, who is told (None if
    the event or its request is gone), and whether a gateway already took this key."""

    payload: dict[str, Any]
    recipient: Recipient | None
    sent_before: bool


# Fixed SQL (see db.sql), one statement for everything the job reads: every SMS a worker sends
# makes it, and each statement cost the worker more than the database answering it. The
# event's id sits in the row's JSON payload, read the way each database reads JSON.
_EVENT_ID = {
    "postgres": "(o.payload->>'event_id')::integer",
    "sqlite": "CAST(json_extract(o.payload, '$.event_id') AS INTEGER)",
}
_SENT = """SELECT 1 FROM gateway_message g WHERE g."key" = {} AND g.status = 'sent'"""
_NOTIFICATION_WORK = {
    engine_type: (
        f"SELECT o.payload, r.contact_phone, m.phone, m.email, m.locale, EXISTS ({_SENT})"  # noqa: S608
        f" AS sent_before FROM outbox o LEFT JOIN return_event e ON e.id = {event_id}"
        " LEFT JOIN return_request r ON r.id = e.request LEFT JOIN merchant m ON m.id = r.merchant"
        ' WHERE o."key" = {}'
    )
    for engine_type, event_id in _EVENT_ID.items()
}


async def notification_work(key: str) -> NotificationWork | None:
    """The notification job's facts for this outbox key (None: no such row)."""
    rows = await fetch_for(_NOTIFICATION_WORK, key, key, json_columns=("payload",))
    if not rows:
        return None
    row = rows[0]
    recipient = None
    if row["phone"] is not None:
        recipient = Recipient(
            phone=row["contact_phone"] or row["phone"],
            email=row["email"] or "",
            locale=row["locale"] or "zh_CN",
        )
    return NotificationWork(dict(row["payload"]), recipient, bool(row["sent_before"]))


async def already_sent(key: str) -> bool:
    """A gateway accepted this key before: a job that died after sending must not send again."""
    return bool(await fetch(_SENT + " LIMIT 1", key))


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
    await execute(
        _ATTEMPT, key, channel, recipient, body, gateway, status, error[:2000], response[:2000],
        datetime.now(UTC),
    )  # fmt: skip
