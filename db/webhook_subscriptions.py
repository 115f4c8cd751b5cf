"""Webhook subscriptions: where a client wants to hear of changes, which kinds, and the secret
that signs them (shown once, sealed at rest; a rotation keeps the previous one signing too for
a while)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.crypto import open_webhook_secret, seal_webhook_secret
from db.engine import atomic
from db.tables import WebhookSubscription

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's name, not a secret


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Subscription:
    id: int
    client_id: int
    url: str
    events: tuple[str, ...]  # empty: every type
    active: bool

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.events or event_type in self.events)


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=int(row["id"]),
        client_id=int(row["client"]),
        url=str(row["url"]),
        events=tuple(row["events"] or ()),
        active=bool(row["active"]),
    )


_COLUMNS = (
    WebhookSubscription.id,
    WebhookSubscription.client,
    WebhookSubscription.url,
    WebhookSubscription.events,
    WebhookSubscription.active,
)


async def add_subscription(
    client_id: int, url: str, events: list[str], secret_key: str, now: datetime
) -> tuple[int, str]:
    """A new subscription and its signing secret (returned once)."""
    secret = new_secret()
    rows = await WebhookSubscription.insert(
        WebhookSubscription(
            client=client_id,
            url=url,
            events=sorted(set(events)),
            secret_enc=seal_webhook_secret(secret_key, secret),
            created_at=now,
        )
    ).returning(WebhookSubscription.id)
    return int(rows[0]["id"]), secret


async def subscriptions_of(client_id: int) -> list[Subscription]:
    rows = await (
        WebhookSubscription.select(*_COLUMNS)
        .where(WebhookSubscription.client == client_id)
        .order_by(WebhookSubscription.id)
        .output(load_json=True)
    )
    return [_subscription(row) for row in rows]


async def subscription(client_id: int, subscription_id: int) -> Subscription | None:
    """The client's subscription with this id; None for any other's."""
    row = await (
        WebhookSubscription.select(*_COLUMNS)
        .where(
            (WebhookSubscription.id == subscription_id) & (WebhookSubscription.client == client_id)
        )
        .first()
        .output(load_json=True)
    )
    return _subscription(row) if row else None


async def change_subscription(
    client_id: int, subscription_id: int, *, url: str, events: list[str], active: bool
) -> bool:
    rows = (
        await WebhookSubscription.update(
            {
                WebhookSubscription.url: url,
                WebhookSubscription.events: sorted(set(events)),
                WebhookSubscription.active: active,
            }
        )
        .where(
            (WebhookSubscription.id == subscription_id) & (WebhookSubscription.client == client_id)
        )
        .returning(WebhookSubscription.id)
    )
    return bool(rows)


async def remove_subscription(client_id: int, subscription_id: int) -> bool:
    rows = (
        await WebhookSubscription.delete()
        .where(
            (WebhookSubscription.id == subscription_id) & (WebhookSubscription.client == client_id)
        )
        .returning(WebhookSubscription.id)
    )
    return bool(rows)


async def rotate_secret(
    client_id: int, subscription_id: int, overlap: timedelta, secret_key: str, now: datetime
) -> str | None:
    """A new signing secret; the current one keeps signing alongside it for `overlap`."""
    secret = new_secret()
    async with atomic():
        row = await (
            WebhookSubscription.select(WebhookSubscription.secret_enc)
            .where(
                (WebhookSubscription.id == subscription_id)
                & (WebhookSubscription.client == client_id)
            )
            .first()
        )
        if row is None:
            return None
        await WebhookSubscription.update(
            {
                WebhookSubscription.secret_enc: seal_webhook_secret(secret_key, secret),
                WebhookSubscription.previous_secret_enc: row["secret_enc"],
                WebhookSubscription.previous_secret_until: now + overlap,
            }
        ).where(WebhookSubscription.id == subscription_id)
    return secret


async def signing_secrets(subscription_id: int, secret_key: str, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one while its
    overlap lasts."""
    row = await (
        WebhookSubscription.select(
            WebhookSubscription.secret_enc,
            WebhookSubscription.previous_secret_enc,
            WebhookSubscription.previous_secret_until,
        )
        .where(WebhookSubscription.id == subscription_id)
        .first()
    )
    if row is None:
        return []
    found = [open_webhook_secret(secret_key, row["secret_enc"])]
    until = row["previous_secret_until"]
    if row["previous_secret_enc"] and until is not None and now < until:
        found.append(open_webhook_secret(secret_key, row["previous_secret_enc"]))
    return found
