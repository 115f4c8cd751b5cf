"""Re-used photos found by their perceptual hashes (domain.photo_hash), taken as an upload's are
(web.image_work.prepare): every variant the tests make of a photo is found — through the
index's rule, a 16-bit part shared with a stored crop — and no two distinct photos match.
Measured on 16 scenes: 6 × 8 variants, and 240 + 720 pairs of different photos."""

from __future__ import annotations

import itertools
from functools import cache

import pytest
from PIL import Image

from domain.photo_hash import PhotoHash, PhotoHashes, closest, parts
from tests.photo_scenes import VARIANTS, jpeg, scene
from web.image_work import prepare

SCENES = 16
WITH_VARIANTS = 6


def hashes_of(content: bytes) -> PhotoHashes:
    prepared = prepare("photo.jpg", content)
    assert not isinstance(prepared, type(None)) and hasattr(prepared, "photo_hashes")
    hashes = PhotoHashes.from_text(prepared.photo_hashes)  # type: ignore[union-attr]
    assert hashes is not None
    return hashes


@cache
def original(seed: int) -> PhotoHashes:
    return hashes_of(jpeg(scene(seed)))


def found_by_index(new: PhotoHashes, stored: PhotoHash) -> bool:
    """What the lookup reads (a shared part) and then keeps (near enough)."""
    shares = any(
        mine == theirs
        for query in new.query
        for mine, theirs in zip(parts(query.phash), parts(stored.phash), strict=True)
    )
    return shares and closest(new, stored) is not None


def matches(new: PhotoHashes, seed: int) -> bool:
    return any(found_by_index(new, stored) for stored in original(seed).stored)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_each_variant_of_a_photo_is_found(variant: str) -> None:
    missed = [seed for seed in range(WITH_VARIANTS)
              if not matches(hashes_of(VARIANTS[variant](scene(seed))), seed)]  # fmt: skip
    assert missed == [], f"{variant}: not found for scenes {missed}"


def test_distinct_photos_do_not_match() -> None:
    matched = [(a, b) for a, b in itertools.permutations(range(SCENES), 2)
               if matches(original(a), b)]  # fmt: skip
    assert matched == []


def test_a_variant_matches_no_other_photo() -> None:
    matched = []
    for seed, (name, make) in itertools.product(range(WITH_VARIANTS), VARIANTS.items()):
        variant = hashes_of(make(scene(seed)))
        matched += [(seed, name, other) for other in range(SCENES)
                    if other != seed and matches(variant, other)]  # fmt: skip
    assert matched == []


def test_a_photo_without_features_is_not_hashed() -> None:
    blank = prepare("wall.jpg", jpeg(Image.new("RGB", (1200, 900), (200, 200, 196))))
    assert getattr(blank, "photo_hashes", None) == ""


def test_the_phash_is_imagehashs_own() -> None:
    """The image process takes pHash's DCT without SciPy (web.photo_hashing): the same bits."""
    import imagehash

    from web.photo_hashing import _phash

    for seed in range(8):
        image = scene(seed)
        for shown in (image, image.crop((0, 0, 900, 700)), image.resize((300, 200))):
            assert str(_phash(shown)) == str(imagehash.phash(shown))
