"""Partners, their subscriptions and their requests for the webhook tests, and delivering what
the outbox holds until it is all out (time made to pass between rounds)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from db.partners import create_client
from db.tables import OutboxRow
from db.webhook_subscriptions import add_subscription
from settings import Settings
from tests.integration import factories
from tests.integration.queue import deliver_outbox
from workers.settings import webhook_sender
from workers.webhook_http import WebhookSender


async def partner(url: str, events: tuple[str, ...] = ()) -> tuple[int, int, str]:
    """A partner client subscribed at `url`: (client id, subscription id, signing secret)."""
    now = datetime.now(UTC)
    client_id, _ = await create_client("柜台系统", "partner", None, ["returns:read"], 600, now)
    subscription_id, secret = await add_subscription(
        client_id, url, list(events), os.environ["SECRET_KEY"], now
    )
    return client_id, subscription_id, secret


async def partner_request(client_id: int, now: datetime, **draft: Any) -> tuple[int, str]:
    """A request the client filed for a merchant and that is now submitted: (id, RMA)."""
    merchant_id = await factories.merchant()
    return await factories.submitted(
        merchant_id, now, partner_client=client_id, channel="partner", **draft
    )


def sender_for_tests(*, loopback: bool = True) -> WebhookSender:
    """The sender the worker builds from its settings (the tests run with DEBUG on, so http is
    allowed); `loopback` as WEBHOOK_ALLOW_LOOPBACK=1 sets it, for a receiver on this machine."""
    return webhook_sender(replace(Settings.from_env(), webhook_allow_loopback=loopback))


async def webhook_rows_waiting() -> int:
    count: int = await OutboxRow.count().where(
        (OutboxRow.job == "deliver_webhook")
        & OutboxRow.done_at.is_null()
        & OutboxRow.dead_at.is_null()
    )
    return count


async def deliver_webhooks(
    sender: WebhookSender,
    *,
    rounds: int = 15,
    between: Callable[[], Awaitable[None]] | None = None,
) -> int:
    """Relay and run the webhook jobs until none waits, making each retry's (and each waiting
    delivery's) time come at once; the rounds it took."""
    for done in range(1, rounds + 1):
        await OutboxRow.update({OutboxRow.due_at: datetime.now(UTC)}).where(
            (OutboxRow.job == "deliver_webhook")
            & OutboxRow.done_at.is_null()
            & OutboxRow.dead_at.is_null()
        )
        await deliver_outbox(sender)
        if between is not None:
            await between()
        if not await webhook_rows_waiting():
            return done
    return rounds
