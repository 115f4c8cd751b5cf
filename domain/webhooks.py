"""Webhook delivery rules: how a delivery is signed (Standard Webhooks 1.0), what a receiver's
answer means, when the next try comes, and which addresses a delivery may connect to."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

from domain.partners import address_allowed
from domain.text import N_

TIMEOUT_SECONDS = 10.0  # the whole attempt: connecting, sending, and reading the answer
ANSWER_READ_LIMIT = 64 * 1024  # bytes of an answer read at most; the rest is never fetched
ANSWER_KEPT = 500  # bytes of the answer the delivery log keeps

# Waits before each next try after a failed one: Standard Webhooks' example schedule (the
# first try at once, the last about 3 days and 8 hours later), each stretched or shrunk at
# random by up to RETRY_JITTER, so that a receiver back from an outage is not hit by every
# delivery it missed in the same second.
RETRY_WAITS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
RETRY_JITTER = 0.2
# a receiver's Retry-After is honoured up to this long; a longer one would let one answer
# hold back the receiver's deliveries further than the schedule itself does
MAX_RETRY_AFTER = timedelta(hours=1)
SLOW_DOWN_STATUSES = (429, 503)  # the answers whose Retry-After is read

# a later delivery waiting for an earlier one of the same request looks again this long after
# the earlier one is due
POSTPONE_GAP = timedelta(seconds=1)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's name, not a secret


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}`, keyed by the secret's bytes
    (the base64 after `whsec_`), as the Standard Webhooks libraries check it."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    secrets: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one attempt; one signature per secret that signs now (two while a
    rotated secret's overlap lasts), so a receiver holding either verifies the delivery."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets),
    }


class Outcome(StrEnum):
    DELIVERED = "delivered"  # 2xx: the receiver has it
    GONE = "gone"  # 410: the receiver wants no more; the subscription is turned off
    FAILED = "failed"  # anything else, 3xx included (redirects are not followed): try again


def outcome(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.GONE
    return Outcome.FAILED


def retry_not_before(status_code: int, header: str | None, now: datetime) -> datetime | None:
    """When a receiver that asked us to slow down (429, 503) said to come back, at most
    MAX_RETRY_AFTER from now; None when it did not ask, or said nothing we can read."""
    if status_code not in SLOW_DOWN_STATUSES or not header:
        return None
    text = header.strip()
    if text.isascii() and text.isdigit():
        wait = timedelta(seconds=min(int(text), int(MAX_RETRY_AFTER.total_seconds())))
        return now + wait
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None or when <= now:
        return None
    return min(when, now + MAX_RETRY_AFTER)


def target_allowed(address: str, *, allow_loopback: bool) -> bool:
    """Whether a delivery may connect to this resolved address: the public internet only
    (domain.partners.address_allowed); loopback too where development allows it, so that a
    receiver on the developer's own machine can be reached — never private networks, link-local
    addresses or cloud metadata."""
    if allow_loopback:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return True
    return address_allowed(address)


class NoAnswer(StrEnum):
    """Why an attempt got no answer (kept in the delivery log, status 0)."""

    SCHEME = "scheme_not_allowed"
    ADDRESS = "address_not_allowed"
    UNRESOLVED = "name_not_resolved"
    TIMEOUT = "timeout"
    CONNECTION = "connection_failed"


NO_ANSWER_LABELS = {
    NoAnswer.SCHEME: N_("Not sent: webhooks go to https:// addresses only."),
    NoAnswer.ADDRESS: N_(
        "Not sent: the address resolves to a private, local or reserved network address."
    ),
    NoAnswer.UNRESOLVED: N_("Not sent: the address's host name could not be resolved."),
    NoAnswer.TIMEOUT: N_("No answer within 10 seconds."),
    NoAnswer.CONNECTION: N_("The receiver could not be reached."),
}
