"""A partner's webhook URL cannot reach inside our network: the worker resolves the name once per
attempt, refuses unless every address is on the public internet, connects to that very address,
follows no redirect, gives up after its timeout and reads at most 64 KB of an answer. What the
receiver got (nothing) and what the delivery log says are what the tests look at."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

from db.webhook_log import DeliveryEntry, deliveries_of
from db.webhook_subscriptions import add_subscription
from settings import Settings
from tests.integration.webhook_receiver import webhook_receiver
from tests.integration.webhook_setup import (
    deliver_webhooks,
    partner,
    partner_request,
    sender_for_tests,
)
from workers.webhook_http import WebhookSender


def hosts(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver answering from a hosts table (what a DNS server under someone else's control
    might answer); the sender's checks and connection are its own."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"{host}: not in the test's hosts table")
        return table[host]

    return resolve


async def _only_delivery(client_id: int, subscription_id: int) -> DeliveryEntry:
    (delivery,) = (await deliveries_of(client_id, subscription_id)).deliveries
    return delivery


async def test_loopback_is_refused_unless_development_allows_it(now: datetime) -> None:
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)  # http://127.0.0.1:…
        receiver.secrets.append(secret)
        await partner_request(client_id, now)
        strict = sender_for_tests(loopback=False)  # WEBHOOK_ALLOW_LOOPBACK off, as in production
        await deliver_webhooks(strict, rounds=1)
        await strict.close()
        assert receiver.hits == []
        refused = await _only_delivery(client_id, subscription_id)
        (attempt,) = refused.attempts
        assert (attempt.status_code, attempt.error) == (0, "address_not_allowed")
        assert "127.0.0.1" in attempt.answer and refused.status == "pending"
        assert attempt.why_no_answer is not None and "private, local" in attempt.why_no_answer.msgid

        allowed = sender_for_tests(loopback=True)
        await deliver_webhooks(allowed)
        await allowed.close()
    assert [hit.status for hit in receiver.hits] == [200]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",  # the same, written as IPv6
        "http://10.0.0.5:8080/hooks",
        "http://[fd00::1]/hooks",
        "http://100.64.0.1/hooks",  # shared address space (carrier-grade NAT)
        "http://0.0.0.0:8000/hooks",
    ],
)
async def test_internal_addresses_are_refused_even_where_loopback_is_allowed(
    url: str, now: datetime
) -> None:
    client_id, subscription_id, _ = await partner(url)
    await partner_request(client_id, now)
    sender = sender_for_tests(loopback=True)
    await deliver_webhooks(sender, rounds=1)
    await sender.close()
    (attempt,) = (await _only_delivery(client_id, subscription_id)).attempts
    assert (attempt.status_code, attempt.error) == (0, "address_not_allowed")
    assert attempt.duration_ms < 1000  # refused before any connection was tried


async def test_a_name_is_checked_by_what_it_resolves_to_and_reached_at_that_address(
    now: datetime,
) -> None:
    with webhook_receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        sender = WebhookSender(
            allow_http=True,
            allow_loopback=True,  # so that the one name resolving to this machine reaches the receiver
            resolve=hosts(
                {
                    "hooks.partner.example": ["10.1.2.3"],
                    "mixed.partner.example": ["127.0.0.1", "10.0.0.7"],
                    "receiver.partner.example": ["127.0.0.1"],
                }
            ),
        )
        key = os.environ["SECRET_KEY"]
        client_id, internal, _ = await partner(f"http://hooks.partner.example:{port}/h")
        mixed, _ = await add_subscription(
            client_id, f"http://mixed.partner.example:{port}/h", [], key, now
        )
        good, good_secret = await add_subscription(
            client_id, f"http://receiver.partner.example:{port}/h?from=returndesk", [], key, now
        )
        receiver.secrets.append(good_secret)
        await partner_request(client_id, now)
        await deliver_webhooks(sender, rounds=1)
        await sender.close()
    for refused in (internal, mixed):
        (attempt,) = (await _only_delivery(client_id, refused)).attempts
        assert (attempt.status_code, attempt.error) == (0, "address_not_allowed"), refused
        assert "10." in attempt.answer
    (hit,) = receiver.hits  # only the name that resolves where it may
    assert hit.host == f"receiver.partner.example:{port}" and hit.path == "/h?from=returndesk"
    assert hit.verified_by == [good_secret]
    assert (await _only_delivery(client_id, good)).status == "delivered"


async def test_only_https_where_development_does_not_allow_http(now: datetime) -> None:
    with webhook_receiver() as receiver:
        client_id, subscription_id, _ = await partner(receiver.url)
        await partner_request(client_id, now)
        sender = WebhookSender(allow_http=False, allow_loopback=True)
        await deliver_webhooks(sender, rounds=1)
        await sender.close()
    assert receiver.hits == []
    (attempt,) = (await _only_delivery(client_id, subscription_id)).attempts
    assert (attempt.status_code, attempt.error) == (0, "scheme_not_allowed")


def test_the_loosening_settings_stop_a_process_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEBUG", "0")
    for name in ("WEBHOOK_ALLOW_LOOPBACK", "WEBHOOK_ALLOW_HTTP"):
        monkeypatch.setenv(name, "1")
        with pytest.raises(RuntimeError, match=f"{name} is for development only"):
            Settings.from_env()
        monkeypatch.delenv(name)
    production = Settings.from_env()
    assert not production.webhook_allow_http and not production.webhook_allow_loopback


async def test_a_redirect_is_not_followed_but_counted_a_failure(now: datetime) -> None:
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.status = 302
        receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
        await partner_request(client_id, now)
        sender = sender_for_tests()
        await deliver_webhooks(sender, rounds=1)
        await sender.close()
    assert len(receiver.hits) == 1
    delivery = await _only_delivery(client_id, subscription_id)
    assert [a.status_code for a in delivery.attempts] == [302] and delivery.status == "pending"


async def test_an_answer_is_read_up_to_64_kb_and_a_silent_receiver_is_given_up_on(
    now: datetime,
) -> None:
    with webhook_receiver() as receiver:
        client_id, subscription_id, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        receiver.endless = True  # 200, then a body that never ends
        await partner_request(client_id, now)
        sender = sender_for_tests()
        await deliver_webhooks(sender, rounds=1)
        await sender.close()
        delivery = await _only_delivery(client_id, subscription_id)
        assert delivery.status == "delivered"
        assert len(delivery.attempts[0].answer) == 500  # what the log keeps of it

        receiver.endless, receiver.delay = False, 3
        await partner_request(client_id, now)
        impatient = WebhookSender(allow_http=True, allow_loopback=True, timeout=1)
        await deliver_webhooks(impatient, rounds=1)
        await impatient.close()
    page = await deliveries_of(client_id, subscription_id)
    (attempt,) = page.deliveries[0].attempts
    assert (attempt.status_code, attempt.error) == (0, "timeout")
    assert 900 <= attempt.duration_ms < 2500
