"""Uploads built to hurt: decompression bombs, lying headers, oversized colour profiles carrying
script, polyglots, and files just under each limit, the costliest ones still accepted. Each is
(name, bytes, what a merchant must be told or "accepted")."""

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
def zero_png(side: int = 7740, mode: str = "L") -> bytes:
    """All-zero pixels: a few hundred KB that decode to side² pixels (the probe's 233 KB file;
    7071 × 7071 RGBA is its 189 KB one, just under 50 MP, that decodes to 200 MB)."""
    out = BytesIO()
    Image.new(mode, (side, side)).save(out, "PNG", optimize=True)
    return out.getvalue()


@cache
def large_rgba_png(width: int = 5000, height: int = 5000) -> bytes:
    """25 MP RGBA, a screenshot of a large screen: 100 MB decoded, the most a PNG may cost."""
    out = BytesIO()
    Image.new("RGBA", (width, height), (20, 120, 200, 255)).save(out, "PNG", compress_level=9)
    return out.getvalue()


@cache
def zero_webp(width: int, height: int) -> bytes:
    """Lossless WebP of zeros: a few KB whatever its size. Decoding holds its pixels four times
    (the decoder's two canvases, the frame handed over, the image), 16 bytes a pixel."""
    out = BytesIO()
    Image.new("RGBA", (width, height)).save(out, "WEBP", lossless=True)
    return out.getvalue()


@cache
def flat_heic(width: int, height: int) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(
        out, "HEIF", quality=30, enc_params={"preset": "ultrafast"}
    )
    return out.getvalue()


@cache
def progressive_jpeg(width: int, height: int) -> bytes:
    """A progressive JPEG (4:2:0): however small it is decoded, the decoder first keeps every
    coefficient of the whole image, 3 bytes a pixel."""
    out = BytesIO()
    Image.new("RGB", (width, height), (128, 128, 128)).save(
        out, "JPEG", quality=50, progressive=True
    )
    return out.getvalue()


@cache
def flat_jpeg(width: int, height: int) -> bytes:
    """A baseline colour JPEG of any size without drawing it: one strip of 16 rows, coded with a
    restart marker after each row of blocks, so every strip's bytes are alike and repeat."""
    strip = BytesIO()
    Image.new("RGB", (width, 16), (128, 128, 128)).save(
        strip, "JPEG", quality=50, restart_marker_rows=1
    )
    data = strip.getvalue()
    sos = data.index(b"\xff\xda")
    scan_start = sos + 2 + struct.unpack(">H", data[sos + 2 : sos + 4])[0]
    head, scan = bytearray(data[:scan_start]), data[scan_start:-2]  # the scan, without EOI
    sof = head.index(b"\xff\xc0")
    head[sof + 5 : sof + 7] = struct.pack(">H", height)
    strips = [scan] + [bytes([0xFF, 0xD0 + i % 8]) + scan for i in range(-(-height // 16) - 1)]
    return bytes(head) + b"".join(strips) + b"\xff\xd9"


@cache
def scans_jpeg(width: int, height: int) -> bytes:
    """A baseline colour JPEG whose three components come one scan after another (legal, if
    rare), built like flat_jpeg from one grey strip: however small it is decoded, its decoder
    first keeps every coefficient of the whole image, 6 bytes a pixel."""
    strip = BytesIO()
    Image.new("L", (width, 8), 128).save(strip, "JPEG", quality=50, restart_marker_rows=1)
    data = strip.getvalue()
    tables, pos = b"", 2
    while data[pos + 1] != 0xDA:  # the grey strip's segments up to its one scan
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if data[pos + 1] in (0xDB, 0xC4, 0xDD):  # its quantisation and Huffman tables, restarts
            tables += data[pos : pos + 2 + length]
        pos += 2 + length
    row = data[pos + 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0] : -2]  # one block row
    rows = [row] + [bytes([0xFF, 0xD0 + i % 8]) + row for i in range(-(-height // 8) - 1)]
    components = b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + components
    scans = b"".join(
        b"\xff\xda" + struct.pack(">HBBBBBB", 8, 1, c, 0, 0, 63, 0) + b"".join(rows)
        for c in (1, 2, 3)
    )
    return b"\xff\xd8" + tables + frame + scans + b"\xff\xd9"


def png_with(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A small real PNG carrying extra chunks before its pixels."""
    out = BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, "PNG")
    data = out.getvalue()
    after_header = 8 + 25  # signature, IHDR
    extra = b"".join(_png_chunk(kind, body) for kind, body in chunks)
    return data[:after_header] + extra + data[after_header:]


@cache
def text_bomb_png() -> bytes:
    """63 compressed text chunks of 1 MB each: 66 KB that Pillow's own limits (1 MB a chunk,
    64 MB in all) let decompress to 63 MB."""
    text = zlib.compress(b"a" * (1024 * 1024 - 1), 9)
    return png_with([(b"zTXt", b"k%d\0\0" % i + text) for i in range(63)])


@cache
def exif_bomb_png() -> bytes:
    """An EXIF block of 9.9 MB (just under the 10 MB limit): one tag of 2.5 million numbers."""
    count = 9_900_000 // 4
    ifd = (
        b"MM\0\x2a\0\0\0\x08"
        + struct.pack(">HHHII", 1, 0x0111, 4, count, 26)
        + b"\0\0\0\0"
        + struct.pack(f">{count}I", *range(count))
    )
    return png_with([(b"eXIf", ifd)])


@cache
def ordinary_photo() -> bytes:
    """Not hostile, for comparison: a phone photo as most are, 12 MP with detail everywhere."""
    out = BytesIO()
    Image.effect_noise((4032, 3024), 40).convert("RGB").save(out, "JPEG", quality=80)
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


TOO_LARGE = "too large to open"


def webp_canvas_claiming(width: int, height: int) -> bytes:
    """A small WebP with transparency (the extended kind) whose header claims another canvas:
    opening one makes the decoder's canvases at the size claimed."""
    out = BytesIO()
    Image.new("RGBA", (16, 16), (1, 2, 3, 100)).save(out, "WEBP", lossless=False)
    data = bytearray(out.getvalue())
    assert data[12:16] == b"VP8X"
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def corpus() -> Iterator[Hostile]:
    yield Hostile("zeros.png", zero_png(), "more pixels than a phone photo")
    yield Hostile("bomb.png", zero_png(7071, "RGBA"), TOO_LARGE)
    yield Hostile("bomb.webp", zero_webp(7071, 7071), TOO_LARGE)
    yield Hostile("canvas.webp", webp_canvas_claiming(7071, 7071), TOO_LARGE)
    yield Hostile("progressive.jpg", progressive_jpeg(8000, 6000), TOO_LARGE)
    yield Hostile("scans.jpg", scans_jpeg(16120, 16112), TOO_LARGE)
    yield Hostile("text.png", text_bomb_png(), "could not be opened")
    yield Hostile("exif.png", exif_bomb_png(), "accepted")
    yield from just_under_the_limits()
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


def just_under_the_limits() -> Iterator[Hostile]:
    """The costliest file of each kind that is still accepted."""
    yield Hostile("grey.png", zero_png(7071), "accepted")  # 50 MP at one byte a pixel
    yield Hostile("screen.webp", zero_webp(2500, 2500), "accepted")  # 6.25 MP, 100 MB to decode
    yield Hostile("photo.heic", flat_heic(4080, 3060), "accepted")  # a 12.5 MP phone photo
    yield Hostile("web.jpg", progressive_jpeg(5400, 4050), "accepted")  # 21.9 MP progressive
    yield Hostile("square.jpg", flat_jpeg(12287, 12287), "accepted")  # largest decoded at 1/2
    yield Hostile("most.jpg", flat_jpeg(16120, 16112), "accepted")  # just under 260 MP
    padding = b"\0" * (10 * 1024 * 1024 - len(small_jpeg()))
    yield Hostile("padded.jpg", small_jpeg() + padding, "accepted")  # exactly 10 MB
