"""Re-used photos: evidence photos' hashes indexed as they are stored, and the photos of other
merchants' requests a request's photos are near-duplicates of (domain.photo_hash)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from db.tables import EvidenceFile, PhotoHashEntry
from domain.photo_hash import PhotoHash, PhotoHashes, StoredCrop, nearest, parts, signed, unsigned

# candidates read for one request at most: real photos' hashes cluster (a dark terminal on a
# light counter), and a lookup must stay bounded whatever the index holds
MAX_CANDIDATES = 5000


@dataclass(frozen=True)
class PhotoMatch:
    evidence_id: int  # this request's photo
    other_evidence_id: int  # the photo on another merchant's request it repeats
    other_rma: str
    bits: int  # how far apart (0: the same pixels, re-saved)


async def index_photos(files: Iterable[tuple[int, str]]) -> None:
    """Index stored evidence photos by their hashes — (evidence id, photo_hashes) each — inside
    the transaction that stores them; files without hashes (PDFs) are skipped."""
    rows = []
    for evidence_id, text in files:
        hashes = PhotoHashes.from_text(text)
        if hashes is None:
            continue
        for crop, stored in enumerate(hashes.stored):
            part0, part1, part2, part3 = parts(stored.phash)
            rows.append(PhotoHashEntry(
                evidence=evidence_id, crop=crop, phash=signed(stored.phash),
                dhash=signed(stored.dhash), part0=part0, part1=part1, part2=part2, part3=part3,
            ))  # fmt: skip
    if rows:
        await PhotoHashEntry.insert(*rows)


async def reused_photos(request_id: int, merchant_id: int) -> list[PhotoMatch]:
    """This request's photos that repeat a photo on another merchant's submitted request, the
    nearest match of each (domain.photo_hash.nearest)."""
    files = (
        await EvidenceFile.select(EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.photo_hashes)
        .where((EvidenceFile.request == request_id) & (EvidenceFile.photo_hashes != ""))
        .order_by(EvidenceFile.id)
    )
    photos = [
        (row["id"], row["sha256"], hashes)
        for row in files
        if (hashes := PhotoHashes.from_text(row["photo_hashes"])) is not None
    ]
    if not photos:
        return []
    rows = await _candidates([hashes for _, _, hashes in photos], merchant_id)
    rmas = {row["evidence"]: row["rma"] for row in rows}
    found = [StoredCrop(row["evidence"], row["sha256"],
                        PhotoHash(unsigned(row["phash"]), unsigned(row["dhash"])))
             for row in rows]  # fmt: skip
    matches = []
    for evidence_id, sha256, hashes in photos:
        if (match := nearest(hashes, sha256, found)) is not None:
            crop, bits = match
            matches.append(PhotoMatch(evidence_id, crop.photo, rmas[crop.photo], bits))
    return matches


async def _candidates(photos: list[PhotoHashes], merchant_id: int) -> list[dict[str, Any]]:
    """Stored crops of other merchants' submitted photos sharing a 16-bit part with one of
    these photos' query hashes (each part's index answers its own IN)."""
    wanted: list[set[int]] = [set(), set(), set(), set()]
    for hashes in photos:
        for query in hashes.query:
            for k, part in enumerate(parts(query.phash)):
                wanted[k].add(part)
    entry = PhotoHashEntry
    request: Any = entry.evidence.request  # a join two tables away, which Piccolo types loosely
    shares_a_part = (
        entry.part0.is_in(sorted(wanted[0]))
        | entry.part1.is_in(sorted(wanted[1]))
        | entry.part2.is_in(sorted(wanted[2]))
        | entry.part3.is_in(sorted(wanted[3]))
    )
    rows: list[dict[str, Any]] = await (
        entry.select(
            entry.evidence,
            entry.phash,
            entry.dhash,
            entry.evidence.sha256.as_alias("sha256"),
            request.rma.as_alias("rma"),
        )
        .where(
            shares_a_part & (request.merchant != merchant_id) & request.submitted_at.is_not_null()
        )
        .limit(MAX_CANDIDATES)
    )
    return rows


async def other_photos(evidence_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The requests other photos belong to, by photo: their RMA, and whose they are (for the
    staff member's access: counter staff see their outlet's)."""
    if not evidence_ids:
        return {}
    request = EvidenceFile.request
    rows = await EvidenceFile.select(
        EvidenceFile.id,
        request.rma.as_alias("rma"),
        request.merchant.as_alias("merchant_id"),
        request.outlet.as_alias("outlet_id"),
    ).where(EvidenceFile.id.is_in(evidence_ids))
    return {row["id"]: row for row in rows}
