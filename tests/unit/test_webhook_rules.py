"""The webhook rules in domain/: signatures the Standard Webhooks reference library accepts, what
a receiver's answer means, how long a receiver that asks us to slow down waits, and which
addresses a delivery may reach."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from domain.webhooks import (
    MAX_RETRY_AFTER,
    RETRY_JITTER,
    RETRY_WAITS,
    Outcome,
    outcome,
    retry_not_before,
    signature,
    signed_headers,
    target_allowed,
)

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@given(
    message_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=40),
    body=st.binary(max_size=2000),
    timestamp=st.integers(min_value=1_500_000_000, max_value=2_500_000_000),
)
def test_our_signature_is_the_reference_librarys(
    message_id: str, body: bytes, timestamp: int
) -> None:
    secret = _secret()
    expected = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    assert signature(secret, message_id, timestamp, body) == expected


def test_during_a_rotation_a_receiver_with_either_secret_verifies_and_no_other() -> None:
    old, new, stranger = _secret(), _secret(), _secret()
    body = b'{"id":"evt_1","type":"return.approved"}'
    headers = signed_headers([new, old], "evt_1", int(datetime.now(UTC).timestamp()), body)
    assert headers["webhook-id"] == "evt_1" and len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["type"] == "return.approved"
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (299, Outcome.DELIVERED),
        (301, Outcome.FAILED),  # redirects are not followed: the receiver did not take it
        (302, Outcome.FAILED),
        (304, Outcome.FAILED),
        (400, Outcome.FAILED),
        (404, Outcome.FAILED),
        (410, Outcome.GONE),
        (429, Outcome.FAILED),
        (500, Outcome.FAILED),
        (0, Outcome.FAILED),
    ],
)
def test_what_an_answer_means(status: int, expected: Outcome) -> None:
    assert outcome(status) is expected


def test_retry_after_is_honoured_on_429_and_503_within_reason() -> None:
    assert retry_not_before(429, "120", NOW) == NOW + timedelta(seconds=120)
    assert retry_not_before(503, " 5 ", NOW) == NOW + timedelta(seconds=5)
    in_ten_minutes = NOW + timedelta(minutes=10)
    assert (
        retry_not_before(503, format_datetime(in_ten_minutes, usegmt=True), NOW) == in_ten_minutes
    )
    assert retry_not_before(429, "86400", NOW) == NOW + MAX_RETRY_AFTER  # a day: an hour at most
    far = format_datetime(NOW + timedelta(days=3), usegmt=True)
    assert retry_not_before(429, far, NOW) == NOW + MAX_RETRY_AFTER
    for status, header in ((500, "120"), (429, None), (429, "soon"), (429, "-5"), (503, "")):
        assert retry_not_before(status, header, NOW) is None, (status, header)
    past = format_datetime(NOW - timedelta(minutes=1), usegmt=True)
    assert retry_not_before(503, past, NOW) is None


def test_the_retry_schedule_lasts_more_than_a_day() -> None:
    assert RETRY_WAITS[0] <= timedelta(seconds=5)  # a blip is retried at once, nearly
    # even with every wait shrunk by its jitter, the last try comes more than a day after the first
    assert sum(RETRY_WAITS, timedelta()) * (1 - RETRY_JITTER) > timedelta(hours=24)
    assert list(RETRY_WAITS) == sorted(RETRY_WAITS)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "fd00::1",
        "fe80::1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
    ],
)
def test_internal_addresses_are_never_reached(address: str) -> None:
    assert not target_allowed(address, allow_loopback=False)
    assert not target_allowed(address, allow_loopback=True)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_only_where_development_allows_it(address: str) -> None:
    assert not target_allowed(address, allow_loopback=False)
    assert target_allowed(address, allow_loopback=True)


def test_the_internet_is_reached() -> None:
    for address in ("93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"):
        assert target_allowed(address, allow_loopback=False)
