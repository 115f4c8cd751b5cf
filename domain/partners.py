"""The partner API's rules: what a client may be allowed (scopes), what its key looks like,
which events it may hear of, and where its webhooks may be sent."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from domain.terms import State
from domain.text import N_, Text


class Scope(StrEnum):
    RETURNS_READ = "returns:read"  # look up orders, read requests, their events and files
    RETURNS_WRITE = "returns:write"  # file, evidence, submit, ship, cancel, appeal, message
    SYNC = "sync"  # feed merchants, orders and terminals in


SCOPE_LABELS = {
    Scope.RETURNS_READ: N_("Read return requests"),
    Scope.RETURNS_WRITE: N_("File and follow return requests"),
    Scope.SYNC: N_("Feed in merchants, orders and terminals"),
}

API_CHANNELS = ("partner", "wechat")  # DESIGN §7: the channels a client's requests carry

# rdk_live_<id>_<secret>: the id finds the client, the secret is kept only as a hash
KEY_PREFIX = "rdk_live_"
TEST_KEY_PREFIX = "rdk_test_"  # development's keys, never valid where DEBUG is off
_KEY = re.compile(r"rdk_(live|test)_([a-z2-7]{16})_([A-Za-z0-9_-]{43})")

DEFAULT_RATE_LIMIT = 600  # requests a minute
MAX_RATE_LIMIT = 6000
DEFAULT_OVERLAP = timedelta(hours=24)  # a rotated key keeps working this long, by default
MAX_OVERLAP = timedelta(days=7)

# the events a webhook can carry: every state a request reaches, and these
OTHER_EVENTS = ("document.ready", "message.created", "terminal.unbound")
EVENT_TYPES = tuple(f"return.{state.value}" for state in State if state is not State.DRAFT) + (
    OTHER_EVENTS
)


def parse_key(text: str, *, test_keys: bool) -> tuple[str, str] | None:
    """(key id, secret) of a key as a client sends it; None for anything else — a test key
    where test keys are not accepted included."""
    found = _KEY.fullmatch(text.strip())
    if found is None or (found.group(1) == "test" and not test_keys):
        return None
    return found.group(2), found.group(3)


def missing_scope(held: Iterable[str], needed: Scope) -> Text | None:
    if needed.value in set(held):
        return None
    return Text(
        N_("This key may not do this: it lacks the scope %(scope)s."), {"scope": needed.value}
    )


NAME_REQUIRED = N_("Give the client a name (up to 100 characters).")
CHANNEL_UNKNOWN = N_("Choose the partner channel or the WeChat channel.")
OUTLET_UNKNOWN = N_("Choose one of the outlets listed, or none.")
SCOPES_REQUIRED = N_("Choose at least one of the scopes listed, and only those.")
RATE_LIMIT_RULE = N_("A rate limit is a whole number of requests a minute, from 1 to %(most)s.")


def client_problems(
    name: str,
    channel: str,
    outlet_id: int | None,
    scopes: Collection[str],
    rate_limit: int | None,
    outlets: Collection[int],
) -> dict[str, Text]:
    """What is wrong with an API client as a supervisor typed it, by field."""
    problems: dict[str, Text] = {}
    if not name.strip() or len(name) > 100:
        problems["name"] = Text(NAME_REQUIRED)
    if channel not in API_CHANNELS:
        problems["channel"] = Text(CHANNEL_UNKNOWN)
    if outlet_id is not None and outlet_id not in outlets:
        problems["outlet"] = Text(OUTLET_UNKNOWN)
    known = {scope.value for scope in Scope}
    if not scopes or not set(scopes) <= known:
        problems["scopes"] = Text(SCOPES_REQUIRED)
    if rate_limit is None or not 1 <= rate_limit <= MAX_RATE_LIMIT:
        problems["rate_limit"] = Text(RATE_LIMIT_RULE, {"most": MAX_RATE_LIMIT})
    return problems


WEBHOOK_URL_RULE = N_(
    "A webhook address is an https:// address on the internet, up to 500 characters, with no user name or password in it."
)
EVENTS_UNKNOWN = N_("Choose event types from the list (none: every type).")


def webhook_url_problem(url: str, *, allow_http: bool) -> Text | None:
    """Whether a webhook may be sent to this address at all (its resolved address is checked
    again at every delivery: address_allowed)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return Text(WEBHOOK_URL_RULE)
    schemes = ("https", "http") if allow_http else ("https",)
    host = parts.hostname or ""
    if (
        len(url) > 500
        or parts.scheme not in schemes
        or not host
        or parts.username
        or parts.password
    ):
        return Text(WEBHOOK_URL_RULE)
    if port == 0 or (not allow_http and _is_address(host) and not address_allowed(host)):
        return Text(WEBHOOK_URL_RULE)
    return None


def events_problem(events: Collection[str]) -> Text | None:
    return None if set(events) <= set(EVENT_TYPES) else Text(EVENTS_UNKNOWN)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def address_allowed(address: str) -> bool:
    """Whether a webhook may connect to this IP address: public internet only — never
    loopback, private, link-local (cloud metadata at 169.254.169.254 included), shared
    (100.64/10), multicast, reserved, or an IPv6 form of any of them."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
