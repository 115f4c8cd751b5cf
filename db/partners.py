"""API clients as the admin and the API need them: made with a key shown once, found by that
key (a rotated key keeps working until its overlap ends), revoked for good."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.engine import atomic
from db.snapshots import moment
from db.sql import fetch
from db.tables import PartnerClient
from domain.partners import KEY_PREFIX, TEST_KEY_PREFIX

_KEY_ID_LETTERS = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True)
class ApiClient:
    id: int
    name: str
    channel: str  # "partner" or "wechat"
    outlet_id: int | None
    scopes: tuple[str, ...]
    rate_limit: int  # requests a minute

    @property
    def actor_id(self) -> str:
        """Who the client is in events, claims and idempotency records."""
        return f"partner:{self.id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()  # 256 random bits: no slow hash needed


def _new_key(test: bool) -> tuple[str, str, str]:
    """(the key as the client keeps it, its id part, the hash of its secret part)."""
    key_id = "".join(secrets.choice(_KEY_ID_LETTERS) for _ in range(16))
    secret = secrets.token_urlsafe(32)
    prefix = TEST_KEY_PREFIX if test else KEY_PREFIX
    return f"{prefix}{key_id}_{secret}", key_id, _hash(secret)


def _client(row: dict[str, Any]) -> ApiClient:
    return ApiClient(
        id=int(row["id"]),
        name=str(row["name"]),
        channel=str(row["channel"]),
        outlet_id=int(row["outlet"]) if row["outlet"] is not None else None,
        scopes=tuple(row["scopes"] or ()),
        rate_limit=int(row["rate_limit"]),
    )


_COLUMNS = (
    PartnerClient.id,
    PartnerClient.name,
    PartnerClient.channel,
    PartnerClient.outlet,
    PartnerClient.scopes,
    PartnerClient.rate_limit,
)


# every API call asks this first: fixed SQL straight on the driver (db.sql), as the pages' reads
_BY_KEY = (
    "SELECT id, name, channel, outlet, scopes, rate_limit, key_id, key_hash,"
    " previous_key_hash, previous_key_until FROM partner_client"
    " WHERE (key_id = {} OR previous_key_id = {}) AND active = {}"
)


async def client_for_key(key_id: str, secret: str, now: datetime) -> ApiClient | None:
    """The active client whose current key — or previous key, within its overlap — this is."""
    rows = await fetch(_BY_KEY, key_id, key_id, True, json_columns=("scopes",))
    given = _hash(secret)
    for row in rows:
        if row["key_id"] == key_id and hmac.compare_digest(row["key_hash"], given):
            return _client(row)
        until = moment(row["previous_key_until"])
        if (
            until is not None
            and now < until
            and hmac.compare_digest(row["previous_key_hash"], given)
        ):
            return _client(row)
    return None


async def create_client(
    name: str,
    channel: str,
    outlet_id: int | None,
    scopes: list[str],
    rate_limit: int,
    now: datetime,
    *,
    test_key: bool = False,
) -> tuple[int, str]:
    """A new client and its key: the key is returned once and never kept."""
    key, key_id, key_hash = _new_key(test_key)
    rows = await PartnerClient.insert(
        PartnerClient(
            name=name.strip(),
            channel=channel,
            outlet=outlet_id,
            scopes=sorted(set(scopes)),
            rate_limit=rate_limit,
            key_id=key_id,
            key_hash=key_hash,
            created_at=now,
        )
    ).returning(PartnerClient.id)
    return int(rows[0]["id"]), key


async def rotate_key(
    client_id: int, overlap: timedelta, now: datetime, *, test_key: bool = False
) -> str | None:
    """A new key for an active client; the current one keeps working for `overlap` (none: it
    stops at once, as after a leak). None for a revoked or unknown client."""
    key, key_id, key_hash = _new_key(test_key)
    async with atomic():
        row = await (
            PartnerClient.select(PartnerClient.key_id, PartnerClient.key_hash)
            .where((PartnerClient.id == client_id) & (PartnerClient.active == True))  # noqa: E712
            .first()
        )
        if row is None:
            return None
        await PartnerClient.update(
            {
                PartnerClient.key_id: key_id,
                PartnerClient.key_hash: key_hash,
                PartnerClient.previous_key_id: row["key_id"],
                PartnerClient.previous_key_hash: row["key_hash"],
                PartnerClient.previous_key_until: now + overlap,
            }
        ).where(PartnerClient.id == client_id)
    return key


async def revoke_client(client_id: int, now: datetime) -> bool:
    """Every key of the client stops working now, for good."""
    rows = (
        await PartnerClient.update(
            {
                PartnerClient.active: False,
                PartnerClient.revoked_at: now,
                PartnerClient.previous_key_until: None,
            }
        )
        .where((PartnerClient.id == client_id) & (PartnerClient.active == True))  # noqa: E712
        .returning(PartnerClient.id)
    )
    return bool(rows)


async def update_client(
    client_id: int, name: str, outlet_id: int | None, scopes: list[str], rate_limit: int
) -> None:
    await PartnerClient.update(
        {
            PartnerClient.name: name.strip(),
            PartnerClient.outlet: outlet_id,
            PartnerClient.scopes: sorted(set(scopes)),
            PartnerClient.rate_limit: rate_limit,
        }
    ).where(PartnerClient.id == client_id)


async def all_clients() -> list[dict[str, Any]]:
    """Every client, active ones first, for the admin's list."""
    return (
        await PartnerClient.select(
            *_COLUMNS,
            PartnerClient.key_id,
            PartnerClient.previous_key_until,
            PartnerClient.active,
            PartnerClient.revoked_at,
            PartnerClient.created_at,
        )
        .order_by(PartnerClient.active, ascending=False)
        .order_by(PartnerClient.id)
        .output(load_json=True)
    )


async def client_record(client_id: int) -> dict[str, Any] | None:
    """One client, active or not (the admin's page of it); never its key's hashes."""
    row: dict[str, Any] | None = (
        await PartnerClient.select(
            *_COLUMNS,
            PartnerClient.key_id,
            PartnerClient.previous_key_id,
            PartnerClient.previous_key_until,
            PartnerClient.active,
            PartnerClient.revoked_at,
            PartnerClient.created_at,
        )
        .where(PartnerClient.id == client_id)
        .first()
        .output(load_json=True)
    )
    return row


async def client_by_id(client_id: int) -> ApiClient | None:
    row = (
        await PartnerClient.select(*_COLUMNS)
        .where(PartnerClient.id == client_id)
        .first()
        .output(load_json=True)
    )
    return _client(row) if row else None


async def client_name(actor_id: str | None) -> str:
    """The name of the client a request was filed through ("partner:7"); "" for none."""
    if not actor_id or not actor_id.startswith("partner:"):
        return ""
    found = await client_by_id(int(actor_id.removeprefix("partner:")))
    return found.name if found else ""
