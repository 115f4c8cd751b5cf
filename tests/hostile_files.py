"""Uploads built to hurt: decompression bombs, lying headers, oversized colour profiles carrying
script, polyglots. Each is (name, bytes, what a merchant must be told or "accepted")."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from io import BytesIO

from PIL import Image

SCRIPT_BYTES = (b"<?php system($_GET['c']); ?>", b"<script>alert(1)</script>")


@dataclass(frozen=True)
class Hostile:
    name: str
    content: bytes
    outcome: str  # "accepted", or words the refusal must contain (English)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, payload: bytes = b"\0" * 64) -> bytes:
    """A PNG whose header claims a size its data never fills."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(payload, 9))
        + _png_chunk(b"IEND", b"")
    )


@cache
def zero_png(side: int = 7740) -> bytes:
    """All-zero pixels: a few hundred KB that decode to side² bytes (the probe's 233 KB file)."""
    out = BytesIO()
    Image.new("L", (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def large_rgba_png(width: int = 6000, height: int = 6000) -> bytes:
    """36 MP RGBA: a real screenshot-sized image that decodes to 144 MB."""
    out = BytesIO()
    Image.new("RGBA", (width, height), (20, 120, 200, 255)).save(out, "PNG", compress_level=9)
    return out.getvalue()


def small_jpeg(size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **save)  # type: ignore[arg-type]
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size."""
    data = bytearray(small_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@cache
def big_jpeg(width: int = 12000, height: int = 9000) -> bytes:
    """108 MP: a real photo's size beyond any phone but one; decoded reduced, it is fine."""
    out = BytesIO()
    Image.new("L", (width, height), 128).save(out, "JPEG", quality=50)
    return out.getvalue()


def jpeg_with_icc(size: int = 3 * 1024 * 1024) -> bytes:
    """An ordinary photo carrying a 3 MB "colour profile" of script."""
    blob = (b"".join(SCRIPT_BYTES) * (size // 60 + 1))[:size]
    return small_jpeg(icc_profile=blob)


def webp_claiming(width: int = 16383, height: int = 16383) -> bytes:
    """A lossy WebP whose VP8 frame header claims 16383 × 16383 (268 MP)."""
    out = BytesIO()
    Image.new("RGB", (16, 16), (1, 2, 3)).save(out, "WEBP", lossless=False)
    data = bytearray(out.getvalue())
    start = data.index(b"\x9d\x01\x2a")
    data[start + 3 : start + 7] = struct.pack("<HH", width, height)
    return bytes(data)


def corpus() -> Iterator[Hostile]:
    yield Hostile("zeros.png", zero_png(), "more pixels than a phone photo")
    yield Hostile("liar.png", png_claiming(100_000, 100_000), "more pixels than a phone photo")
    yield Hostile("liar.jpg", jpeg_claiming(65_000, 65_000), "more pixels than a phone photo")
    yield Hostile("liar.webp", webp_claiming(), "more pixels than a phone photo")
    yield Hostile("huge-photo.jpg", big_jpeg(), "accepted")
    yield Hostile("screenshot.png", large_rgba_png(), "accepted")
    yield Hostile("profile.jpg", jpeg_with_icc(), "accepted")
    yield Hostile("polyglot.jpg", small_jpeg() + b"PK\x03\x04" + b"\0" * 200, "accepted")
    yield Hostile("cut.jpg", small_jpeg((800, 600))[:400], "could not be opened")
    yield Hostile(
        "svg.jpg", b"<svg onload=alert(1) xmlns='http://www.w3.org/2000/svg'/>", "not a photo"
    )
    yield Hostile("page.png", b"<html><script>alert(1)</script></html>", "not a photo")
    yield Hostile("anim.gif", b"GIF89a" + b"\0" * 64, "not a photo")
    yield Hostile("empty.jpg", b"", "is empty")
    yield Hostile("big.jpg", small_jpeg() + b"\0" * (10 * 1024 * 1024), "larger than 10 MB")
