"""The size a photo is kept at, how far a JPEG is reduced as it is decoded so that decoding it
stays within MAX_DECODED_BYTES, and which JPEGs keep every coefficient while they decode."""

from __future__ import annotations

from math import ceil

import pytest

from domain.evidence import (
    MAX_DECODED_BYTES,
    STORED_EDGE,
    jpeg_keeps_every_coefficient,
    jpeg_reduction,
    stored_size,
)

RGB = 4  # bytes a decoded colour pixel takes


def decoded_bytes(width: int, height: int, reduction: int) -> int:
    return ceil(width / reduction) * ceil(height / reduction) * RGB


def test_a_photo_is_kept_at_its_own_size_up_to_the_stored_edge() -> None:
    assert stored_size(1290, 2796) == (1290, 2796)
    assert stored_size(4032, 3024) == (STORED_EDGE, 2304)
    assert stored_size(3024, 4032) == (2304, STORED_EDGE)
    assert stored_size(65_000, 3) == (STORED_EDGE, 1)  # never a row of no pixels


@pytest.mark.parametrize(
    ("width", "height", "reduction"),
    [
        (4032, 3024, 1),  # 12 MP: whole, 49 MB
        (5712, 4284, 1),  # 24 MP: whole, 98 MB
        (8160, 6120, 2),  # 50 MP: at 1/2, 4080 × 3060
        (16320, 12240, 4),  # 200 MP: at 1/4, 4080 × 3060
    ],
)
def test_phone_photos_decode_at_the_largest_reduction_that_still_gives_the_stored_size(
    width: int, height: int, reduction: int
) -> None:
    assert jpeg_reduction(width, height, RGB) == reduction
    target = stored_size(width, height)
    assert ceil(width / reduction) >= target[0] and ceil(height / reduction) >= target[1]
    assert decoded_bytes(width, height, reduction) <= MAX_DECODED_BYTES


def test_a_jpeg_too_costly_at_the_stored_size_decodes_a_little_smaller_instead() -> None:
    # 151 MP square: at 1/2 it would be 6144 × 6144, 151 MB; at 1/4 it is 3072 × 3072
    assert jpeg_reduction(12287, 12287, RGB) == 4
    # 28 MP: whole it would be 113 MB; at 1/2 it is 3072 × 2304
    assert jpeg_reduction(6143, 4607, RGB) == 2
    assert decoded_bytes(6143, 4607, 1) > MAX_DECODED_BYTES


def test_a_progressive_jpegs_coefficients_count_against_the_budget() -> None:
    coefficients = 5400 * 4050 * 3  # 4:2:0, two bytes a coefficient
    assert jpeg_reduction(5400, 4050, RGB) == 1
    assert jpeg_reduction(5400, 4050, RGB, held=coefficients) == 2
    assert jpeg_reduction(8000, 6000, RGB, held=8000 * 6000 * 3) is None


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body


def frame(marker: int, components: int) -> bytes:
    # precision, height, width, then (id, sampling, table) for each component
    body = bytes([8, 0x10, 0, 0x10, 0, components]) + bytes([1, 0x11, 0]) * components
    return segment(marker, body)


def scan(components: int) -> bytes:
    body = bytes([components]) + bytes([1, 0]) * components + bytes([0, 63, 0])
    return segment(0xDA, body) + b"\x12\x34"  # then its coded data


SOI = b"\xff\xd8"
# an EXIF block whose thumbnail holds a scan marker of its own, before the image's frame
EXIF = segment(0xE1, b"Exif\0\0" + b"\xff\xda\x00\x08\x01" + b"\0" * 20)


@pytest.mark.parametrize(
    ("jpeg", "keeps_all"),
    [
        (SOI + EXIF + frame(0xC0, 3) + scan(3), False),  # baseline, all components at once
        (SOI + EXIF + frame(0xC0, 1) + scan(1), False),  # greyscale
        (SOI + EXIF + frame(0xC0, 3) + scan(1), True),  # one component after another
        (SOI + EXIF + frame(0xC2, 3) + scan(3), True),  # progressive
        (SOI + b"\xff" + frame(0xC1, 3) + scan(3), False),  # a fill byte; extended sequential
    ],
)
def test_the_jpegs_that_keep_every_coefficient_are_known_from_their_headers(
    jpeg: bytes, keeps_all: bool
) -> None:
    assert jpeg_keeps_every_coefficient(jpeg) is keeps_all
