"""Events of partners' requests, recorded in the change's own transaction: the event itself (what
the events endpoint reads back) and, for each subscription of the filing client that wants it,
a delivery and the outbox row that sends it."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from db.outbox import add_to_outbox
from db.tables import PartnerClient, PartnerEvent, WebhookDelivery, WebhookSubscription
from domain.partners import Scope

PARTNER_PREFIX = "partner:"  # how a client is named as an actor (db.partners.ApiClient.actor_id)


def new_event_id() -> str:
    """The event's public id, sent as webhook-id: unguessable, the same on every retry."""
    return "evt_" + secrets.token_hex(12)


def client_of(partner_client: str | None) -> int | None:
    """The client id in a request's `partner_client` ("partner:7"); None for other requests."""
    if not partner_client or not partner_client.startswith(PARTNER_PREFIX):
        return None
    return int(partner_client.removeprefix(PARTNER_PREFIX))


async def sync_clients() -> list[str]:
    """The active clients that feed the provider's data in (scope `sync`), as events name them."""
    rows = (
        await PartnerClient.select(PartnerClient.id, PartnerClient.scopes)
        .where(
            PartnerClient.active == True  # noqa: E712 - a column comparison, not a truth test
        )
        .output(load_json=True)
    )
    return [f"{PARTNER_PREFIX}{row['id']}" for row in rows if Scope.SYNC.value in row["scopes"]]


async def record_partner_event(
    request_id: int,
    partner_client: str | None,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> str | None:
    """Record what happened to a request a partner client filed (`partner_client` as the
    request's snapshot names it) and queue its deliveries; the event id, or None — nothing
    written, nothing read — for a request no client filed. Call it inside the change's
    transaction, so the event exists exactly when the change does."""
    client_id = client_of(partner_client)
    if client_id is None:
        return None
    event_id = new_event_id()
    rows = await PartnerEvent.insert(
        PartnerEvent(
            event_id=event_id,
            request=request_id,
            client=client_id,
            type=event_type,
            data=data,
            occurred_at=now,
        )
    ).returning(PartnerEvent.id)
    event_pk = int(rows[0]["id"])
    for subscription_id in await _subscribed(client_id, event_type):
        await queue_delivery(event_pk, subscription_id, request_id, now)
    return event_id


async def _subscribed(client_id: int, event_type: str) -> list[int]:
    """The client's active subscriptions that want this type (an empty list: every type); a
    revoked client's none."""
    active = await PartnerClient.exists().where(
        (PartnerClient.id == client_id) & (PartnerClient.active == True)  # noqa: E712
    )
    if not active:
        return []
    rows = await (
        WebhookSubscription.select(WebhookSubscription.id, WebhookSubscription.events)
        .where(
            (WebhookSubscription.client == client_id) & (WebhookSubscription.active == True)  # noqa: E712
        )
        .order_by(WebhookSubscription.id)
        .output(load_json=True)
    )
    return [int(row["id"]) for row in rows if not row["events"] or event_type in row["events"]]


async def queue_delivery(
    event_pk: int, subscription_id: int, request_id: int, now: datetime, *, redelivery: int = 0
) -> int | None:
    """A pending delivery of the event to the subscription, and the outbox row that sends it;
    its id, or None when this one (event, subscription, redelivery) exists already."""
    rows = (
        await WebhookDelivery.insert(
            WebhookDelivery(
                event=event_pk,
                subscription=subscription_id,
                request_id=request_id,
                redelivery=redelivery,
                created_at=now,
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(WebhookDelivery.id)
    )
    if not rows:
        return None
    delivery_id = int(rows[0]["id"])
    await add_to_outbox(
        key=delivery_key(delivery_id),
        job="deliver_webhook",
        payload={"delivery_id": delivery_id},
        due_at=now,
    )
    return delivery_id


def delivery_key(delivery_id: int) -> str:
    """The outbox key (and job claim) of one delivery."""
    return f"webhook:{delivery_id}"


def delivery_of_key(key: str) -> int | None:
    """The delivery an outbox key names; None for anything else (rows written before
    deliveries existed were keyed by the request's event and type)."""
    prefix, _, number = key.partition(":")
    if prefix != "webhook" or not number.isascii() or not number.isdigit():
        return None
    return int(number)
