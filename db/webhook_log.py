"""A subscription's delivery log for the admin (each delivery with its attempts, newest first, by
pages) and sending events again: one delivery, or every event since a time.

The admin's side of the webhook engine, kept small: the engine's own module of this name (with
numbered redeliveries) takes its place when the two meet, with the same functions and fields.
Until then a delivery is unique per event and subscription, so sending one again puts that
delivery back on its way — pending, its outbox row due now — rather than making another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.engine import atomic
from db.outbox import add_to_outbox
from db.snapshots import aware_at, moment
from db.sql import fetch
from db.tables import (
    JobClaim,
    OutboxRow,
    PartnerEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_REDELIVERED = 1000  # events queued again by one redeliver_since; call again for the rest
_NO_ID = 2_147_483_647  # above every id (the ids are 32-bit)


@dataclass(frozen=True)
class AttemptEntry:
    attempt: int  # 1 for the delivery's first
    status_code: int  # 0: no answer
    answer: str  # the answer's first bytes, or what went wrong where there was none
    duration_ms: int
    at: datetime


@dataclass(frozen=True)
class DeliveryEntry:
    id: int
    event_id: str  # "evt_…": the webhook-id the receiver saw
    event_type: str
    request_id: int
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
    "SELECT d.id, d.status, d.request_id, d.created_at, d.delivered_at,"
    " e.event_id, e.type, o.due_at, o.dead_at FROM webhook_delivery d"
    " JOIN partner_event e ON e.id = d.event"
    " JOIN webhook_subscription s ON s.id = d.subscription"
    " LEFT JOIN outbox o ON o.\"key\" = 'webhook:' || d.id"
    " WHERE d.subscription = {} AND s.client = {} AND d.id < {} ORDER BY d.id DESC LIMIT {}"
)


def delivery_key(delivery_id: int) -> str:
    """The outbox key (and job claim) of one delivery."""
    return f"webhook:{delivery_id}"


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
            duration_ms=int(row["duration_ms"]),
            at=aware_at(row["at"]),
        )
        found.setdefault(int(row["delivery"]), []).append(entry)
    return {delivery: tuple(entries) for delivery, entries in found.items()}


async def redeliver(
    client_id: int, subscription_id: int, delivery_id: int, now: datetime
) -> int | None:
    """Send that delivery's event to the subscription again (the same event: the same
    webhook-id and body). The delivery's id — at once if it is still on its way — or None when
    the client has no such delivery or the subscription is off (turn it on first)."""
    async with atomic():
        if await _active_subscription(client_id, subscription_id) is None:
            return None
        row = await (
            WebhookDelivery.select(WebhookDelivery.id)
            .where(
                (WebhookDelivery.id == delivery_id)
                & (WebhookDelivery.subscription == subscription_id)
            )
            .first()
        )
        if row is None:
            return None
        if delivery_id not in await _on_their_way([delivery_id]):
            await _send_again(delivery_id, now)
        return delivery_id


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
        events = [e for e in events if not wanted or e["type"] in wanted][:MAX_REDELIVERED]
        if not events:
            return 0
        existing = await _deliveries_of_events(subscription_id, [int(e["id"]) for e in events])
        on_way = await _on_their_way(list(existing.values()))
        queued = 0
        for event in events:
            delivery = existing.get(int(event["id"]))
            if delivery is None:
                await _queue(int(event["id"]), subscription_id, int(event["request"]), now)
            elif delivery in on_way:
                continue
            else:
                await _send_again(delivery, now)
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


async def _deliveries_of_events(subscription_id: int, events: list[int]) -> dict[int, int]:
    """Event → its delivery to the subscription, where there is one."""
    rows = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.event).where(
        (WebhookDelivery.subscription == subscription_id) & WebhookDelivery.event.is_in(events)
    )
    return {int(row["event"]): int(row["id"]) for row in rows}


async def _on_their_way(delivery_ids: list[int]) -> set[int]:
    """Those of the deliveries still waiting to go: pending, their outbox row neither done
    nor given up."""
    if not delivery_ids:
        return set()
    pending = await WebhookDelivery.select(WebhookDelivery.id).where(
        WebhookDelivery.id.is_in(delivery_ids) & (WebhookDelivery.status == "pending")
    )
    keys = {delivery_key(int(row["id"])): int(row["id"]) for row in pending}
    if not keys:
        return set()
    waiting = await OutboxRow.select(OutboxRow.key).where(
        OutboxRow.key.is_in(list(keys)) & OutboxRow.done_at.is_null() & OutboxRow.dead_at.is_null()
    )
    return {keys[row["key"]] for row in waiting}


async def _queue(event: int, subscription_id: int, request_id: int, now: datetime) -> None:
    rows = await WebhookDelivery.insert(
        WebhookDelivery(
            event=event, subscription=subscription_id, request_id=request_id, created_at=now
        )
    ).returning(WebhookDelivery.id)
    await _send_again(int(rows[0]["id"]), now)


async def _send_again(delivery_id: int, now: datetime) -> None:
    """The delivery pending again and its outbox row due now, with a fresh set of tries; its
    job's finished claim is let go, or the job would take the work for done."""
    await WebhookDelivery.update(
        {WebhookDelivery.status: "pending", WebhookDelivery.delivered_at: None}
    ).where(WebhookDelivery.id == delivery_id)
    key = delivery_key(delivery_id)
    await JobClaim.delete().where((JobClaim.key == key) & (JobClaim.status == "done"))
    await OutboxRow.update(
        {
            OutboxRow.due_at: now,
            OutboxRow.attempts: 0,
            OutboxRow.handed_over_at: None,
            OutboxRow.done_at: None,
            OutboxRow.dead_at: None,
            OutboxRow.last_error: "",
        }
    ).where(OutboxRow.key == key)
    await add_to_outbox(
        key=key, job="deliver_webhook", payload={"delivery_id": delivery_id}, due_at=now
    )
