"""Webhook delivery as a partner's receiver and an operator see it: every event of a partner's
request reaches the receiver once, in order per request, verifiable with the Standard Webhooks
library, through failures, a secret's rotation, a 410, the last retry, and redelivery."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime, timedelta

from litestar.testing import AsyncTestClient

from db.outbox import dead_rows, retry_dead
from db.tables import OutboxRow, PartnerEvent, WebhookSubscription
from db.webhook_log import deliveries_of, redeliver, redeliver_since
from db.webhook_subscriptions import rotate_secret
from domain.lifecycle import Action
from domain.webhooks import RETRY_WAITS
from tests.integration import factories
from tests.integration.webhook_receiver import webhook_receiver
from tests.integration.webhook_setup import (
    deliver_webhooks,
    partner,
    partner_request,
    sender_for_tests,
)


async def _event_ids(request_id: int) -> list[str]:
    rows = await (
        PartnerEvent.select(PartnerEvent.event_id)
        .where(PartnerEvent.request == request_id)
        .order_by(PartnerEvent.id)
    )
    return [row["event_id"] for row in rows]


async def test_each_event_reaches_the_receiver_once_in_order_though_each_fails_twice(
    now: datetime,
) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.fail_each = 2  # every event: 503, 503, then taken
        first, _ = await partner_request(client_id, now)
        second, _ = await partner_request(client_id, now)
        await factories.staff_decides(first, Action.APPROVE, now)
        rounds = await deliver_webhooks(sender)
        await sender.close()

    assert rounds < 15
    hits = receiver.hits
    assert all(hit.verified_by == [secret] for hit in hits)  # standardwebhooks checked each
    taken = receiver.delivered()
    expected = {first: await _event_ids(first), second: await _event_ids(second)}
    assert [len(ids) for ids in expected.values()] == [2, 1]  # submitted, approved; submitted
    # once each, in the order of its request; every event failed twice first
    every = [event for ids in expected.values() for event in ids]
    assert Counter(hit.webhook_id for hit in taken) == Counter(every)
    assert Counter(hit.webhook_id for hit in hits) == dict.fromkeys(every, 3)
    for request_id, ids in expected.items():
        order = [
            hit.webhook_id for hit in hits if hit.payload["data"]["request"]["id"] == request_id
        ]
        # no attempt at a later event before the earlier one was taken
        assert order == [ids[0]] * 3 + [i for i in ids[1:] for _ in range(3)]
    # every attempt at an event sent the same bytes
    for webhook_id in Counter(hit.webhook_id for hit in hits):
        assert len({hit.body for hit in hits if hit.webhook_id == webhook_id}) == 1
    approved = next(hit.payload for hit in taken if hit.payload["type"] == "return.approved")
    assert (
        approved["data"]["from_state"] == "submitted" and approved["data"]["to_state"] == "approved"
    )
    assert approved["data"]["request"]["id"] == first
    assert approved["id"] == expected[first][1]

    page = await deliveries_of(client_id, subscription_id)
    assert {d.status for d in page.deliveries} == {"delivered"}
    assert [[a.status_code for a in d.attempts] for d in page.deliveries] == [[503, 503, 200]] * 3
    assert page.deliveries[0].id > page.deliveries[-1].id  # newest first
    assert all(a.answer == "not now" for d in page.deliveries for a in d.attempts[:2])


async def test_during_a_rotation_a_receiver_holding_either_secret_verifies(now: datetime) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, old = await partner(receiver.url)
        key = os.environ["SECRET_KEY"]
        new = await rotate_secret(client_id, subscription_id, timedelta(hours=24), key, now)
        assert new is not None and new != old
        receiver.secrets += [old, new]
        await partner_request(client_id, now)
        await deliver_webhooks(sender)
        (during,) = receiver.delivered()
        # the overlap ends: the old secret no longer signs
        await WebhookSubscription.update(
            {WebhookSubscription.previous_secret_until: now - timedelta(seconds=1)}
        ).where(WebhookSubscription.id == subscription_id)
        await partner_request(client_id, now)
        await deliver_webhooks(sender)
        await sender.close()
    assert len(during.signatures) == 2 and during.verified_by == [old, new]
    after = receiver.delivered()[1]
    assert len(after.signatures) == 1 and after.verified_by == [new]


async def test_a_receiver_that_answers_410_turns_its_subscription_off(now: datetime) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.status = 410
        request_id, _ = await partner_request(client_id, now)
        await deliver_webhooks(sender)
        await factories.staff_decides(request_id, Action.APPROVE, now)
        await deliver_webhooks(sender)
        await sender.close()
    assert [hit.status for hit in receiver.hits] == [410]  # asked once, never again
    row = await WebhookSubscription.select(WebhookSubscription.active).where(
        WebhookSubscription.id == subscription_id
    )
    assert row == [{"active": False}]
    (gone,) = (await deliveries_of(client_id, subscription_id)).deliveries
    assert gone.status == "dead" and [a.status_code for a in gone.attempts] == [410]
    assert await redeliver(client_id, subscription_id, gone.id, now) is None  # off: turn it on


async def test_retries_back_off_then_the_delivery_is_dead_and_shown_to_supervisors(
    now: datetime,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.status = 500
        await partner_request(client_id, now)
        await deliver_webhooks(sender, rounds=1)
        row = await OutboxRow.select().where(OutboxRow.job == "deliver_webhook").first()
        wait = factories.aware(row["due_at"]) - datetime.now(UTC)
        assert timedelta(seconds=3) < wait <= timedelta(seconds=6)  # 5 s, give or take a second
        await deliver_webhooks(sender, rounds=len(RETRY_WAITS) + 2)
        await sender.close()
    assert [hit.status for hit in receiver.hits] == [500] * (len(RETRY_WAITS) + 1)
    assert sum(RETRY_WAITS, timedelta()) > timedelta(hours=24)
    (dead,) = (await deliveries_of(client_id, subscription_id)).deliveries
    assert dead.status == "dead" and len(dead.attempts) == len(RETRY_WAITS) + 1
    assert [row["key"] for row in await dead_rows()] == [f"webhook:{dead.id}"]
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    client.headers["Accept-Language"] = "en"
    page = await client.get("/staff/outbox")
    assert f"webhook:{dead.id}" in page.text and "answered 500" in page.text
    # the receiver is back, and a supervisor tries the work again there: it goes
    with webhook_receiver(secret) as receiver:
        await WebhookSubscription.update({WebhookSubscription.url: receiver.url}).where(
            WebhookSubscription.id == subscription_id
        )
        assert await retry_dead(f"webhook:{dead.id}", datetime.now(UTC))
        again = sender_for_tests()
        await deliver_webhooks(again)
        await again.close()
    assert [hit.status for hit in receiver.hits] == [200]
    (revived,) = (await deliveries_of(client_id, subscription_id)).deliveries
    assert revived.status == "delivered" and len(revived.attempts) == len(RETRY_WAITS) + 2


async def test_a_receiver_that_asks_to_slow_down_is_given_the_time_it_asked_for(
    now: datetime,
) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, _, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.status, receiver.headers = 429, {"Retry-After": "120"}
        await partner_request(client_id, now)
        await deliver_webhooks(sender, rounds=1)
        await sender.close()
    row = await OutboxRow.select().where(OutboxRow.job == "deliver_webhook").first()
    wait = factories.aware(row["due_at"]) - datetime.now(UTC)
    assert timedelta(seconds=115) < wait <= timedelta(seconds=121)


async def test_a_dead_earlier_event_does_not_hold_back_the_later_ones(now: datetime) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        request_id, _ = await partner_request(client_id, now)
        await factories.staff_decides(request_id, Action.APPROVE, now)
        first, later = await _event_ids(request_id)
        # the first delivery gave up (as after its last try): the later one goes all the same
        await OutboxRow.update({OutboxRow.dead_at: now}).where(
            OutboxRow.key == f"webhook:{(await _deliveries(client_id, subscription_id))[0]}"
        )
        await deliver_webhooks(sender)
        await sender.close()
    assert [hit.webhook_id for hit in receiver.delivered()] == [later]
    statuses = [d.status for d in (await deliveries_of(client_id, subscription_id)).deliveries]
    assert statuses == ["delivered", "dead"] and first != later


async def _deliveries(client_id: int, subscription_id: int) -> list[int]:
    """The subscription's delivery ids, oldest first."""
    page = await deliveries_of(client_id, subscription_id)
    return sorted(d.id for d in page.deliveries)


async def test_redelivery_sends_the_same_event_again_with_its_webhook_id(now: datetime) -> None:
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        other_client, other_subscription, _ = await partner(receiver.url)
        receiver.secrets.append(secret)
        request_id, _ = await partner_request(client_id, now)
        await factories.staff_decides(request_id, Action.APPROVE, now)
        await deliver_webhooks(sender)
        submitted, approved = await _deliveries(client_id, subscription_id)
        again = await redeliver(client_id, subscription_id, submitted, now)
        assert again is not None and again > approved
        # asked twice before it went: the one on its way, not a third
        assert await redeliver(client_id, subscription_id, submitted, now) == again
        # another client's subscription, or another's delivery: nothing
        assert await redeliver(other_client, subscription_id, submitted, now) is None
        assert await redeliver(other_client, other_subscription, submitted, now) is None
        await deliver_webhooks(sender)
        first_round = len(receiver.delivered())
        assert (
            await redeliver_since(client_id, subscription_id, now - timedelta(minutes=1), now) == 2
        )
        assert await redeliver_since(other_client, subscription_id, now, now) is None
        await deliver_webhooks(sender)
        await sender.close()
    ids = [hit.webhook_id for hit in receiver.delivered()]
    events = await _event_ids(request_id)
    assert first_round == 3 and ids == [*events, events[0], *events]
    bodies = {hit.body for hit in receiver.delivered() if hit.webhook_id == events[0]}
    assert len(bodies) == 1  # the same bytes each time
    page = await deliveries_of(client_id, subscription_id)
    assert [(d.event_id, d.redelivery, d.status) for d in page.deliveries] == [
        (events[1], 1, "delivered"),
        (events[0], 2, "delivered"),
        (events[0], 1, "delivered"),
        (events[1], 0, "delivered"),
        (events[0], 0, "delivered"),
    ]
    older = await deliveries_of(client_id, subscription_id, limit=2)
    assert [d.id for d in older.deliveries] == [d.id for d in page.deliveries[:2]]
    rest = await deliveries_of(client_id, subscription_id, before=older.next_before, limit=5)
    assert [d.id for d in rest.deliveries] == [d.id for d in page.deliveries[2:]]
    assert rest.next_before is None
    assert (await deliveries_of(other_client, subscription_id)).deliveries == []
