"""The webhook job: one delivery of a partner's event to one subscription — in order per
request, signed the Standard Webhooks way, every attempt in the delivery log, retried on the
outbox's webhook schedule (about 3 days), then dead."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from db.webhook_deliveries import (
    AttemptResult,
    DeliveryWork,
    deactivate_subscription,
    delivery_given_up,
    delivery_reopened,
    delivery_work,
    earlier_delivery_due,
    event_body,
    record_attempt,
)
from db.webhook_subscriptions import signing_secrets
from db.webhooks import delivery_of_key
from domain.webhooks import POSTPONE_GAP, Outcome, outcome, retry_not_before, signed_headers
from workers.runner import Postponed, WorkFailed, run_once
from workers.webhook_http import NotSent, WebhookSender

BODY_LOCALE = "zh_CN"  # the words in a body (the next step) are in Chinese, the product's first


class DeliveryFailed(WorkFailed):
    """The receiver did not take the delivery; the outbox tries again on its schedule."""


async def deliver_webhook(ctx: dict[str, Any], key: str, request_id: str = "") -> str:
    async def work() -> str:
        found = await delivery_work(key)
        if found is None:
            return "nothing to deliver"  # e.g. the request and its events were deleted
        if found.status == "delivered":
            return "delivered before"
        if not found.active:
            await delivery_given_up(found.id)
            return "not sent: the subscription is off"
        if found.status == "dead":  # its outbox row was tried again from /staff/outbox
            await delivery_reopened(found.id)
        earlier = await earlier_delivery_due(found)
        if earlier is not None:  # the receiver hears of a request's events in their order
            until = max(earlier, _now()) + POSTPONE_GAP
            raise Postponed(until, f"{found.event_id} waits for an earlier event of its request")
        return await _attempt(ctx, found)

    async def given_up() -> None:
        delivery_id = delivery_of_key(key)
        if delivery_id is not None:
            await delivery_given_up(delivery_id)

    return await run_once(
        ctx, key, "deliver_webhook", work, on_dead=given_up, request_id=request_id
    )


async def _attempt(ctx: dict[str, Any], found: DeliveryWork) -> str:
    sender: WebhookSender = ctx["webhooks"]
    now = _now()
    zone = str(ctx.get("timezone", "Asia/Shanghai"))
    body = await event_body(found, locale=BODY_LOCALE, zone=zone, now=now)
    secrets = await signing_secrets(found.subscription_id, ctx["secret_key"], now)
    headers = signed_headers(secrets, found.event_id, int(now.timestamp()), body)
    started = time.monotonic()
    try:
        answer = await sender.post(found.url, headers, body)
    except NotSent as refused:
        result = AttemptResult(0, str(refused)[:500], refused.reason.value, _ms(started))
        await record_attempt(found.id, result, delivered=False, now=now)
        raise DeliveryFailed(f"{refused.reason.value}: {refused}") from None
    said = outcome(answer.status_code)
    result = AttemptResult(answer.status_code, answer.head, "", _ms(started))
    await record_attempt(found.id, result, delivered=said is Outcome.DELIVERED, now=now)
    if said is Outcome.DELIVERED:
        return f"delivered: {answer.status_code}"
    if said is Outcome.GONE:
        await deactivate_subscription(found.subscription_id)
        await delivery_given_up(found.id)
        return "gone: 410, the subscription is turned off"
    not_before = retry_not_before(answer.status_code, answer.retry_after, _now())
    raise DeliveryFailed(f"answered {answer.status_code}", not_before=not_before)


def _now() -> datetime:
    return datetime.now(UTC)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
