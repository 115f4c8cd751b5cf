"""A subscription's delivery log for the admin (each delivery with its attempts, newest first, by
pages) and sending events again: one delivery, or every event since a time. A redelivery is a
delivery of its own, numbered, carrying the same event — the same webhook-id and body — so a
receiver that already has it knows it for a repeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.engine import atomic
from db.snapshots import aware_at, moment
from db.sql import fetch
from db.tables import PartnerEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from db.webhooks import queue_delivery
from domain.text import Text
from domain.webhooks import NO_ANSWER_LABELS, NoAnswer

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_REDELIVERED = 1000  # events queued again by one redeliver_since; call again for the rest
_NO_ID = 2_147_483_647  # above every id (the ids are 32-bit)


@dataclass(frozen=True)
class AttemptEntry:
    attempt: int  # 1 for the delivery's first
    status_code: int  # 0: no answer (see why_no_answer)
    answer: str  # the answer's first 500 bytes, or what went wrong where there was none
    error: str  # domain.webhooks.NoAnswer's code, "" where there was an answer
    duration_ms: int
    at: datetime

    @property
    def why_no_answer(self) -> Text | None:
        """Words for the admin (translate with the page's language) where there was no answer."""
        return Text(NO_ANSWER_LABELS[NoAnswer(self.error)]) if self.error else None


@dataclass(frozen=True)
class DeliveryEntry:
    id: int
    event_id: str  # "evt_…": the webhook-id the receiver saw
    event_type: str
    request_id: int
    redelivery: int  # 0: the event's first delivery here; n: the nth time it was sent again
    status: str  # "pending", "delivered" or "dead"
    created_at: datetime
    delivered_at: datetime | None
    next_try_at: datetime | None  # pending: when the next attempt is due
    attempts: tuple[AttemptEntry, ...]  # in the order they were made


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[DeliveryEntry]  # newest first
    next_before: int | None  # pass as `before` for the next, older page; None: no more


_PAGE = (
    "SELECT d.id, d.status, d.redelivery, d.request_id, d.created_at, d.delivered_at,"
    " e.event_id, e.type, o.due_at, o.dead_at FROM webhook_delivery d"
    " JOIN partner_event e ON e.id = d.event"
    " JOIN webhook_subscription s ON s.id = d.subscription"
    " LEFT JOIN outbox o ON o.\"key\" = 'webhook:' || d.id"
    " WHERE d.subscription = {} AND s.client = {} AND d.id < {} ORDER BY d.id DESC LIMIT {}"
)

# the deliveries of a subscription still on their way (neither delivered nor given up), from
# an event on
_ON_THEIR_WAY = (
    "SELECT d.id, d.event FROM webhook_delivery d"
    " JOIN outbox o ON o.\"key\" = 'webhook:' || d.id"
    " WHERE d.subscription = {} AND d.event >= {} AND d.status <> 'delivered'"
    " AND o.done_at IS NULL AND o.dead_at IS NULL"
)


async def deliveries_of(
    client_id: int, subscription_id: int, *, before: int | None = None, limit: int = PAGE_SIZE
) -> DeliveryPage:
    """The client's subscription's deliveries, newest first, `limit` a page, older than the
    delivery id `before`; empty for a subscription that is not this client's."""
    limit = min(max(limit, 1), MAX_PAGE_SIZE)
    rows = await fetch(_PAGE, subscription_id, client_id, before or _NO_ID, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    attempts = await _attempts([int(row["id"]) for row in rows])
    deliveries = [_entry(row, attempts.get(int(row["id"]), ())) for row in rows]
    return DeliveryPage(deliveries, deliveries[-1].id if more else None)


def _entry(row: dict[str, Any], attempts: tuple[AttemptEntry, ...]) -> DeliveryEntry:
    status = str(row["status"])
    if status == "pending" and row["dead_at"] is not None:
        status = "dead"  # its outbox row was given up on the way to a worker
    return DeliveryEntry(
        id=int(row["id"]),
        event_id=str(row["event_id"]),
        event_type=str(row["type"]),
        request_id=int(row["request_id"]),
        redelivery=int(row["redelivery"]),
        status=status,
        created_at=_stored_time(row["created_at"]),
        delivered_at=moment(row["delivered_at"]),
        next_try_at=moment(row["due_at"]) if status == "pending" else None,
        attempts=attempts,
    )


def _stored_time(value: Any) -> datetime:
    found = moment(value)
    if found is None:
        raise ValueError("a time stored as never empty was empty")
    return found


async def _attempts(delivery_ids: list[int]) -> dict[int, tuple[AttemptEntry, ...]]:
    if not delivery_ids:
        return {}
    rows = await (
        WebhookAttempt.select(
            WebhookAttempt.delivery,
            WebhookAttempt.attempt,
            WebhookAttempt.status_code,
            WebhookAttempt.answer,
            WebhookAttempt.error,
            WebhookAttempt.duration_ms,
            WebhookAttempt.at,
        )
        .where(WebhookAttempt.delivery.is_in(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    found: dict[int, list[AttemptEntry]] = {}
    for row in rows:
        entry = AttemptEntry(
            attempt=int(row["attempt"]),
            status_code=int(row["status_code"]),
            answer=str(row["answer"]),
            error=str(row["error"]),
            duration_ms=int(row["duration_ms"]),
            at=aware_at(row["at"]),
        )
        found.setdefault(int(row["delivery"]), []).append(entry)
    return {delivery: tuple(entries) for delivery, entries in found.items()}


async def redeliver(
    client_id: int, subscription_id: int, delivery_id: int, now: datetime
) -> int | None:
    """Send that delivery's event to the subscription again: a fresh pending delivery with the
    same event (webhook-id and body), in order behind any earlier event of its request still
    on its way. The new delivery's id — or the one already on its way, if there is one — or
    None when the client has no such delivery or the subscription is off (turn it on first)."""
    async with atomic():
        if await _active_subscription(client_id, subscription_id) is None:
            return None
        row = await (
            WebhookDelivery.select(WebhookDelivery.event, WebhookDelivery.request_id)
            .where(
                (WebhookDelivery.id == delivery_id)
                & (WebhookDelivery.subscription == subscription_id)
            )
            .first()
        )
        if row is None:
            return None
        event = int(row["event"])
        on_way = await _on_their_way(subscription_id, event)
        if event in on_way:
            return on_way[event]
        numbers = await _next_redelivery(subscription_id, event)
        return await queue_delivery(
            event, subscription_id, int(row["request_id"]), now, redelivery=numbers.get(event, 0)
        )


async def redeliver_since(
    client_id: int, subscription_id: int, since: datetime, now: datetime
) -> int | None:
    """Send again every event of the client since `since` that the subscription wants (those
    made while it was off included), oldest first, skipping those still on their way; how
    many were queued (at most MAX_REDELIVERED: call again for the rest), or None when the
    client has no such subscription or it is off."""
    async with atomic():
        wanted = await _active_subscription(client_id, subscription_id)
        if wanted is None:
            return None
        events = await (
            PartnerEvent.select(PartnerEvent.id, PartnerEvent.type, PartnerEvent.request)
            .where((PartnerEvent.client == client_id) & (PartnerEvent.occurred_at >= since))
            .order_by(PartnerEvent.id)
        )
        events = [e for e in events if not wanted or e["type"] in wanted]
        if not events:
            return 0
        first = int(events[0]["id"])
        on_way = await _on_their_way(subscription_id, first)
        numbers = await _next_redelivery(subscription_id, first, since_event=True)
        queued = 0
        for event in events:
            if queued >= MAX_REDELIVERED:
                break
            number = int(event["id"])
            if number in on_way:
                continue
            await queue_delivery(
                number, subscription_id, int(event["request"]), now,
                redelivery=numbers.get(number, 0),
            )  # fmt: skip
            queued += 1
        return queued


async def _active_subscription(client_id: int, subscription_id: int) -> tuple[str, ...] | None:
    """The event types the client's subscription wants (empty: every type); None when it is
    not the client's or is off."""
    row = await (
        WebhookSubscription.select(WebhookSubscription.events, WebhookSubscription.active)
        .where(
            (WebhookSubscription.id == subscription_id) & (WebhookSubscription.client == client_id)
        )
        .first()
        .output(load_json=True)
    )
    if row is None or not row["active"]:
        return None
    return tuple(row["events"] or ())


async def _on_their_way(subscription_id: int, from_event: int) -> dict[int, int]:
    """Event → the delivery of it still on its way to the subscription, from an event on."""
    rows = await fetch(_ON_THEIR_WAY, subscription_id, from_event)
    return {int(row["event"]): int(row["id"]) for row in rows}


async def _next_redelivery(
    subscription_id: int, event: int, *, since_event: bool = False
) -> dict[int, int]:
    """Event → the number its next delivery to the subscription takes (absent: 0, its first),
    for that event — or, `since_event`, for every event from it on."""
    which = WebhookDelivery.event >= event if since_event else WebhookDelivery.event == event
    rows = await WebhookDelivery.select(WebhookDelivery.event, WebhookDelivery.redelivery).where(
        (WebhookDelivery.subscription == subscription_id) & which
    )
    numbers: dict[int, int] = {}
    for row in rows:
        number = int(row["event"])
        numbers[number] = max(numbers.get(number, 0), int(row["redelivery"]) + 1)
    return numbers
