"""Near-duplicate photos: which crops of a photo are hashed, when two photos are the same one
re-used, and how the lookup finds candidates among a million without comparing them all.

A perceptual hash (pHash, dHash: 64 bits each) survives a re-save, a resize or a recolour with
a few bits changed, but a crop of even 5 % moves a whole-image hash by 12 bits or more, as far
as unrelated photos. So each stored photo is hashed whole and as nine crops of itself (the
centre, each corner kept with two edges cut by 10 %, each edge cut alone), and a new photo
likewise with the smaller crops of QUERY_CROPS (5 %): a photo re-used after a crop of up to
about 10 % from one or more edges then meets one of the stored crops within a few bits. Measured on the variants the tests
generate (tests/integration/test_photo_reuse.py): re-saved, resized, recoloured and cropped
copies found, and no pair of distinct photos matched.

The lookup (multi-index hashing): each stored pHash is split into four 16-bit parts, each with
an index; a candidate shares at least one part exactly with one of the new photo's hashes, and
only candidates are compared bit by bit. A pair within 3 bits always shares a part (four parts,
at most three of them touched); pairs up to NEAR_BITS share one almost always, as the tests
measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

HASH_BITS = 64
PART_BITS = 16
PARTS = HASH_BITS // PART_BITS
# two photos are the same one when both their pHash and dHash differ in at most this many bits
# (measured on generated scenes: re-saves and resizes move them a few bits, crops met by a
# stored crop up to about 8; distinct photos of a like subject stayed farther apart)
NEAR_BITS = 8

# (left, top, right, bottom): the share cut from each edge
Crop = tuple[float, float, float, float]
WHOLE: Crop = (0.0, 0.0, 0.0, 0.0)


def _crops(cut: float) -> tuple[Crop, ...]:
    """The whole, the centre, each corner kept (two edges cut), each edge cut alone."""
    return (
        WHOLE,
        (cut / 2, cut / 2, cut / 2, cut / 2),
        (cut, cut, 0.0, 0.0),
        (0.0, cut, cut, 0.0),
        (0.0, 0.0, cut, cut),
        (cut, 0.0, 0.0, cut),
        (cut, 0.0, 0.0, 0.0),
        (0.0, cut, 0.0, 0.0),
        (0.0, 0.0, cut, 0.0),
        (0.0, 0.0, 0.0, cut),
    )


STORED_CROPS = _crops(0.10)  # what a stored photo is found by
QUERY_CROPS = _crops(0.05)  # what a new photo is looked up with


@dataclass(frozen=True)
class PhotoHash:
    phash: int  # unsigned, 64 bits
    dhash: int


@dataclass(frozen=True)
class PhotoHashes:
    """A photo's hashes: `stored[i]` of STORED_CROPS[i], `query[i]` of QUERY_CROPS[i]."""

    stored: tuple[PhotoHash, ...]
    query: tuple[PhotoHash, ...]

    def as_text(self) -> str:
        """Kept with the file: the hashes in hex, stored crops then query crops."""
        return " ".join(f"{h.phash:016x}:{h.dhash:016x}" for h in (*self.stored, *self.query))

    @classmethod
    def from_text(cls, text: str) -> PhotoHashes | None:
        """None for a file without hashes (a PDF, or one stored before they were taken)."""
        pairs = [word.split(":") for word in text.split()]
        if len(pairs) != len(STORED_CROPS) + len(QUERY_CROPS):
            return None
        hashes = tuple(PhotoHash(int(p, 16), int(d, 16)) for p, d in pairs)
        return cls(hashes[: len(STORED_CROPS)], hashes[len(STORED_CROPS) :])


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def near(a: PhotoHash, b: PhotoHash) -> bool:
    return distance(a.phash, b.phash) <= NEAR_BITS and distance(a.dhash, b.dhash) <= NEAR_BITS


def closest(new: PhotoHashes, stored: PhotoHash) -> int | None:
    """How far the new photo is from a stored crop (the larger of the two hashes' distances,
    at its nearest query crop); None when not near at all."""
    found = [
        max(distance(q.phash, stored.phash), distance(q.dhash, stored.dhash))
        for q in new.query
        if near(q, stored)
    ]
    return min(found) if found else None


@dataclass(frozen=True)
class StoredCrop:
    """A stored crop of a photo on another request, as the lookup found it."""

    photo: int  # the evidence file's id
    sha256: str  # of the photo's file as uploaded
    hash: PhotoHash


def nearest(
    new: PhotoHashes, sha256: str, found: Iterable[StoredCrop]
) -> tuple[StoredCrop, int] | None:
    """The stored crop this new photo repeats most nearly, and how many bits apart; an identical
    file is not counted here (the exact-hash rule counts those)."""
    near_ones = [(crop, bits) for crop in found if crop.sha256 != sha256
                 if (bits := closest(new, crop.hash)) is not None]  # fmt: skip
    return min(near_ones, key=lambda pair: pair[1], default=None)


def parts(value: int) -> tuple[int, ...]:
    """The four 16-bit parts of a 64-bit hash, low part first (each fits an indexed integer)."""
    return tuple((value >> (PART_BITS * k)) & 0xFFFF for k in range(PARTS))


def signed(value: int) -> int:
    """A 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << HASH_BITS) if value >= 1 << (HASH_BITS - 1) else value


def unsigned(value: int) -> int:
    return value + (1 << HASH_BITS) if value < 0 else value
