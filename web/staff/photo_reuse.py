"""The staff screen's view of re-used photos: each photo of this request that repeats a photo
of another merchant's request, beside that photo — or only its RMA where this staff member
may not open that request (counter staff: another outlet's)."""

from __future__ import annotations

from dataclasses import dataclass

from db.photo_matches import other_photos, reused_photos
from domain.guards import not_theirs
from domain.lifecycle import Actor
from domain.photo_hash import HASH_BITS


@dataclass(frozen=True)
class ReusedPhoto:
    evidence_id: int
    other_rma: str
    other_evidence_id: int | None  # None: not this staff member's to open
    alike_percent: int  # of the 64 bits of the nearer hash


@dataclass(frozen=True)
class _Owner:
    merchant_id: int
    outlet_id: int | None
    partner_client: str | None = None


async def reused_photos_seen_by(
    request_id: int, merchant_id: int, actor: Actor
) -> list[ReusedPhoto]:
    matches = await reused_photos(request_id, merchant_id)
    owners = await other_photos([match.other_evidence_id for match in matches])
    shown = []
    for match in matches:
        owner = owners.get(match.other_evidence_id)
        if owner is None:
            continue
        visible = not_theirs(_Owner(owner["merchant_id"], owner["outlet_id"]), actor) is None
        shown.append(ReusedPhoto(
            match.evidence_id, match.other_rma, match.other_evidence_id if visible else None,
            round(100 * (HASH_BITS - match.bits) / HASH_BITS),
        ))  # fmt: skip
    return shown
