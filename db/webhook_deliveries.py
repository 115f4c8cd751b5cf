"""Webhook deliveries as the worker sends them: what one delivery needs, whether an earlier event
of the same request still waits for the same subscription, the body (made once per event, so
every subscription and every retry sends the same bytes), and each attempt's record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from db.api_views import api_request
from db.engine import atomic
from db.snapshots import aware_at, moment
from db.sql import fetch
from db.tables import PartnerEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from db.webhooks import delivery_of_key


@dataclass(frozen=True)
class DeliveryWork:
    id: int
    status: str  # "pending", "delivered" or "dead"
    event: int  # the event's number: deliveries of one request go out in its order
    event_id: str  # "evt_…", sent as webhook-id
    event_type: str
    request_id: int
    client_id: int
    subscription_id: int
    url: str
    active: bool  # the subscription is on and its client not revoked


_WORK = (
    "SELECT d.id, d.status, d.event, d.request_id, d.subscription, e.event_id, e.type,"
    " e.client, s.url, s.active AS subscription_active, c.active AS client_active"
    " FROM webhook_delivery d JOIN partner_event e ON e.id = d.event"
    " JOIN webhook_subscription s ON s.id = d.subscription"
    " JOIN partner_client c ON c.id = e.client WHERE d.id = {}"
)

# the latest due time of the earlier deliveries of the request to the subscription that are
# still on their way: neither delivered nor given up (their outbox row neither done nor dead)
_EARLIER_DUE = (
    "SELECT MAX(o.due_at) AS due FROM webhook_delivery d"
    " JOIN outbox o ON o.\"key\" = 'webhook:' || d.id"
    " WHERE d.subscription = {} AND d.request_id = {} AND d.event < {}"
    " AND d.status <> 'delivered' AND o.done_at IS NULL AND o.dead_at IS NULL"
)


async def delivery_work(key: str) -> DeliveryWork | None:
    """The delivery an outbox key names, with its event and subscription; None if gone."""
    delivery_id = delivery_of_key(key)
    if delivery_id is None:
        return None
    rows = await fetch(_WORK, delivery_id)
    if not rows:
        return None
    row = rows[0]
    return DeliveryWork(
        id=int(row["id"]),
        status=str(row["status"]),
        event=int(row["event"]),
        event_id=str(row["event_id"]),
        event_type=str(row["type"]),
        request_id=int(row["request_id"]),
        client_id=int(row["client"]),
        subscription_id=int(row["subscription"]),
        url=str(row["url"]),
        active=bool(row["subscription_active"]) and bool(row["client_active"]),
    )


async def earlier_delivery_due(work: DeliveryWork) -> datetime | None:
    """When the last earlier event of the same request still on its way to the same
    subscription is due; None when none is (a dead one no longer holds the later ones back)."""
    rows = await fetch(_EARLIER_DUE, work.subscription_id, work.request_id, work.event)
    return moment(rows[0]["due"]) if rows else None


async def event_body(work: DeliveryWork, *, locale: str, zone: str, now: datetime) -> bytes:
    """The event's webhook body: made at its first attempt — the request as the API's GET
    shows it then — and kept, so that every later attempt and subscription sends it unchanged."""
    row = await _stored_event(work.event)
    if row["body"] is None:
        request = await api_request(
            work.request_id, work.client_id, locale=locale, zone=zone, now=now
        )
        body = msgspec.json.encode(
            {
                "id": work.event_id,
                "type": work.event_type,
                "timestamp": aware_at(row["occurred_at"]),
                "data": {**(row["data"] or {}), "request": request},
            }
        )
        # two subscriptions' first attempts may race: the first body written is the one sent
        await PartnerEvent.update({PartnerEvent.body: body.decode()}).where(
            (PartnerEvent.id == work.event) & PartnerEvent.body.is_null()
        )
        row = await _stored_event(work.event)
    return str(row["body"]).encode()


async def _stored_event(event: int) -> dict[str, Any]:
    row: dict[str, Any] | None = await (
        PartnerEvent.select(PartnerEvent.body, PartnerEvent.data, PartnerEvent.occurred_at)
        .where(PartnerEvent.id == event)
        .first()
        .output(load_json=True)
    )
    if row is None:
        raise LookupError(event)
    return row


@dataclass(frozen=True)
class AttemptResult:
    status_code: int  # 0: no answer
    answer: str  # the answer's first bytes, or what went wrong where there was none
    error: str  # domain.webhooks.NoAnswer's code where there was no answer, else ""
    duration_ms: int


async def record_attempt(
    delivery_id: int, result: AttemptResult, *, delivered: bool, now: datetime
) -> int:
    """One attempt in the delivery log, the delivery's count and, on success, its delivery;
    the attempt's number."""
    values: dict[Any, Any] = {WebhookDelivery.attempts: WebhookDelivery.attempts + 1}
    if delivered:
        values |= {WebhookDelivery.status: "delivered", WebhookDelivery.delivered_at: now}
    async with atomic():
        rows = (
            await WebhookDelivery.update(values)
            .where(WebhookDelivery.id == delivery_id)
            .returning(WebhookDelivery.attempts)
        )
        attempt = int(rows[0]["attempts"]) if rows else 0
        await WebhookAttempt.insert(
            WebhookAttempt(
                delivery=delivery_id,
                attempt=attempt,
                status_code=result.status_code,
                answer=result.answer,
                error=result.error,
                duration_ms=result.duration_ms,
                at=now,
            )
        )
    return attempt


async def delivery_given_up(delivery_id: int) -> None:
    """The delivery will not be tried again: its last attempt failed, its receiver answered
    410, or its subscription was turned off."""
    await WebhookDelivery.update({WebhookDelivery.status: "dead"}).where(
        (WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "pending")
    )


async def delivery_reopened(delivery_id: int) -> None:
    """A dead delivery whose outbox row staff tried again (/staff/outbox) is pending again."""
    await WebhookDelivery.update({WebhookDelivery.status: "pending"}).where(
        (WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "dead")
    )


async def deactivate_subscription(subscription_id: int) -> None:
    """The receiver answered 410 Gone: it wants no more deliveries until someone turns the
    subscription back on."""
    await WebhookSubscription.update({WebhookSubscription.active: False}).where(
        WebhookSubscription.id == subscription_id
    )
