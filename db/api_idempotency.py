"""Idempotency keys of the partner API, as Stripe and the IETF draft keep them: the first request
with a key claims it; its answer is kept 24 hours; a retry with the same key and body gets that
answer back and does nothing; another body with the same key, or the same key while the first
is still running, is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from db.tables import ApiIdempotency

KEPT = timedelta(hours=24)
# a first request that has not answered in this long died (its process was killed): the key
# may be used again rather than answer 409 for a day
ABANDONED = timedelta(minutes=5)


class Claim(Enum):
    FIRST = "first"  # go ahead; record the answer when there is one
    RUNNING = "running"  # the first request with this key is still being answered: 409
    OTHER_BODY = "other_body"  # the key was used for another request: 422


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


async def claim_key(client_id: int, key: str, fingerprint: str, now: datetime) -> Claim | Replay:
    """Claim the key for this request, or say why not, or give back the first answer."""
    await ApiIdempotency.delete().where(
        (ApiIdempotency.client == client_id)
        & (ApiIdempotency.key == key)
        & (
            (ApiIdempotency.created_at < now - KEPT)
            | ((ApiIdempotency.status == 0) & (ApiIdempotency.created_at < now - ABANDONED))
        )
    )
    fresh = (
        await ApiIdempotency.insert(
            ApiIdempotency(client=client_id, key=key, fingerprint=fingerprint, created_at=now)
        )
        .on_conflict(action="DO NOTHING")
        .returning(ApiIdempotency.id)
    )
    if fresh:
        return Claim.FIRST
    row = await (
        ApiIdempotency.select(
            ApiIdempotency.fingerprint, ApiIdempotency.status, ApiIdempotency.body
        )
        .where((ApiIdempotency.client == client_id) & (ApiIdempotency.key == key))
        .first()
    )
    if row is None:  # removed between the two statements: as good as first
        return await claim_key(client_id, key, fingerprint, now)
    if int(row["status"]) == 0:  # whatever it carries, the first is not answered yet
        return Claim.RUNNING
    if row["fingerprint"] != fingerprint:
        return Claim.OTHER_BODY
    return Replay(int(row["status"]), str(row["body"]))


async def keep_answer(client_id: int, key: str, status: int, body: str) -> None:
    await ApiIdempotency.update({ApiIdempotency.status: status, ApiIdempotency.body: body}).where(
        (ApiIdempotency.client == client_id) & (ApiIdempotency.key == key)
    )


async def release_key(client_id: int, key: str) -> None:
    """The request was refused before it did anything (a malformed body): it may be sent again
    with the same key, corrected."""
    await ApiIdempotency.delete().where(
        (ApiIdempotency.client == client_id) & (ApiIdempotency.key == key)
    )


async def purge_expired(now: datetime) -> int:
    """Keys past their 24 hours (the nightly job)."""
    rows = (
        await ApiIdempotency.delete()
        .where(ApiIdempotency.created_at < now - KEPT)
        .returning(ApiIdempotency.id)
    )
    return len(rows)
