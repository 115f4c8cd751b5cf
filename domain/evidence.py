"""Evidence file rules: which formats are accepted (by content), the limits, and the words for a refusal."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from math import ceil

from domain.text import N_, Text

MAX_FILES = 10  # per upload, and per thing files are attached to (a request, a message, an event)
MAX_BYTES = 10 * 1024 * 1024
# Pixels decoded at most. A JPEG is decoded reduced (1/2 … 1/8) straight towards the stored
# size, so its header may claim more: a 200-megapixel phone photo decodes at 1/4.
MAX_JPEG_PIXELS = 260_000_000
MAX_PIXELS = 50_000_000  # PNG, WebP and HEIC: no phone photo claims more
# Bytes that decoding one file may hold at once: its decoded pixels, with what its decoder keeps
# beside them. A pixel count alone does not bound that: the same 50 MP are 50 MB as a grey PNG,
# 200 MB as an RGBA one, 600 MB as a WebP. This is a 12.5 MP phone photo as HEIC (4080 × 3060,
# 8 bytes a pixel while libheif hands it over); PNG, WebP and HEIC cannot decode reduced, so
# costlier ones are refused. A JPEG decodes at 1/2, 1/4 or 1/8 as far as needed to fit it.
MAX_DECODED_BYTES = 100_000_000
STORED_EDGE = 3072  # the long edge of a stored photo: every detail a reviewer zooms into
THUMB_SIZE = 320
MAX_ICC_BYTES = 1024 * 1024  # colour profiles are a few KB; a larger block is not one
MAX_EXIF_BYTES = 64 * 1024  # what a JPEG's EXIF segment can hold; phones write a few KB
JPEG_REDUCTIONS = (1, 2, 4, 8)  # the scales a JPEG decoder can decode at directly

# Photos from Chinese merchants' phones: a DateTimeOriginal without an offset is Beijing time.
_DEFAULT_PHOTO_OFFSET = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class FileFormat:
    name: str  # "jpeg", "png", "webp", "heic", "pdf"
    kind: str  # "image" or "pdf", as EvidenceFile.kind stores it
    content_type: str  # of the file as stored (HEIC is stored re-encoded as JPEG)
    extension: str  # of the file as stored


JPEG = FileFormat("jpeg", "image", "image/jpeg", ".jpg")
PNG = FileFormat("png", "image", "image/png", ".png")
WEBP = FileFormat("webp", "image", "image/webp", ".webp")
HEIC = FileFormat("heic", "image", "image/jpeg", ".jpg")  # browsers cannot show HEIC
PDF = FileFormat("pdf", "pdf", "application/pdf", ".pdf")

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


@dataclass(frozen=True)
class PreparedFile:
    """An upload that passed the content checks, re-encoded and ready to store."""

    original_name: str
    kind: str  # "image" or "pdf"
    content_type: str
    extension: str
    content: bytes
    thumb: bytes | None
    sha256: str  # of the bytes as uploaded
    taken_at: datetime | None  # read from the photo's metadata before it was stripped
    # a photo's perceptual hashes (domain.photo_hash.PhotoHashes.as_text); "" for a PDF
    photo_hashes: str = ""


def sniff_format(head: bytes) -> FileFormat | None:
    """The format the first bytes say the file is in, whatever its name claims; None if not ours."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def webp_size(head: bytes) -> tuple[int, int] | None:
    """The canvas size a WebP's first 30 bytes declare (lossy, lossless or extended), or None."""
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        width, height = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8X" and len(head) >= 30:
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


_PROGRESSIVE_FRAMES = (0xC2, 0xC6, 0xCA, 0xCE)
_NOT_FRAMES = (0xC4, 0xC8, 0xCC)  # Huffman tables, reserved, arithmetic coding conditions


def jpeg_keeps_every_coefficient(content: bytes) -> bool:
    """Whether a JPEG's decoder keeps every coefficient of the whole image, however small it
    decodes: a progressive JPEG, or one whose first scan does not carry all its components (they
    come one scan after another). Read from the segments before the first scan."""
    pos, components = 2, 0
    while pos + 4 <= len(content) and content[pos] == 0xFF:
        marker = content[pos + 1]
        if marker == 0xFF:  # a fill byte before the marker
            pos += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in _NOT_FRAMES:
            if marker in _PROGRESSIVE_FRAMES:
                return True
            components = content[pos + 9] if pos + 9 < len(content) else 0
        elif marker == 0xDA:
            return content[pos + 4] < components
        pos += 2 + int.from_bytes(content[pos + 2 : pos + 4], "big")
    return False


def too_large(filename: str) -> Text:
    return Text(
        N_("“%(filename)s” is larger than 10 MB. Please choose a smaller photo or file."),
        {"filename": filename},
    )


def empty_file(filename: str) -> Text:
    return Text(N_("“%(filename)s” is empty. Please choose it again."), {"filename": filename})


def unsupported(filename: str) -> Text:
    return Text(
        N_(
            "“%(filename)s” is not a photo or PDF we can accept. Please use JPEG, PNG, WebP, HEIC or PDF."
        ),
        {"filename": filename},
    )


def damaged(filename: str) -> Text:
    return Text(
        N_(
            "“%(filename)s” could not be opened; it may be damaged. Please take the photo again or choose another file."
        ),
        {"filename": filename},
    )


def too_many_pixels(filename: str) -> Text:
    return Text(
        N_(
            "“%(filename)s” has more pixels than a phone photo. Please send a smaller image or a screenshot of it."
        ),
        {"filename": filename},
    )


def too_large_to_open(filename: str, bytes_per_pixel: float) -> Text:
    """Words for an image whose decoding would cost more than MAX_DECODED_BYTES, naming the
    megapixels an image of its kind may have."""
    megapixels = MAX_DECODED_BYTES / bytes_per_pixel / 1_000_000
    return Text(
        N_(
            "“%(filename)s” is too large to open: an image of this kind may have at most %(megapixels)s megapixels. Please send a photo from the phone's camera (JPEG) or a smaller image."
        ),
        {"filename": filename, "megapixels": f"{megapixels:.1f}".removesuffix(".0")},
    )


def too_many(filename: str) -> Text:
    return Text(
        N_("“%(filename)s” was not added: at most 10 files can be attached. Remove one first."),
        {"filename": filename},
    )


def size_problem(filename: str, size: int) -> Text | None:
    if size == 0:
        return empty_file(filename)
    if size > MAX_BYTES:
        return too_large(filename)
    return None


def stored_size(width: int, height: int) -> tuple[int, int]:
    """The size a photo is kept at: its own, or brought down to STORED_EDGE on its long edge."""
    if max(width, height) <= STORED_EDGE:
        return width, height
    scale = STORED_EDGE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def jpeg_reduction(width: int, height: int, bytes_per_pixel: int, held: int = 0) -> int | None:
    """The reduction (1, 2, 4 or 8) a JPEG is decoded at: the largest that still gives at least
    the stored size, or, when those pixels and what the decoder already holds (`held`: a
    progressive JPEG's coefficients) would pass MAX_DECODED_BYTES, the first that fits — a
    photo then kept a little under STORED_EDGE. None when not even 1/8 fits."""
    target_width, target_height = stored_size(width, height)
    fits = min(width // target_width, height // target_height)
    for reduction in JPEG_REDUCTIONS:
        if reduction * 2 <= fits and reduction < JPEG_REDUCTIONS[-1]:
            continue  # a further halving still gives the stored size
        pixels = ceil(width / reduction) * ceil(height / reduction)
        if held + pixels * bytes_per_pixel <= MAX_DECODED_BYTES:
            return reduction
    return None


def clean_name(filename: str) -> str:
    """The name as the merchant knows it, without folders, control characters or line breaks."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def room_left(already_attached: int) -> int:
    """How many more files may still be attached to something that already holds some."""
    return max(0, MAX_FILES - already_attached)


def photo_taken_at(value: str | None, offset: str | None = None) -> datetime | None:
    """EXIF DateTimeOriginal ("2026:11:02 14:05:09", optional OffsetTimeOriginal "+08:00") in UTC."""
    if not value:
        return None
    try:
        naive = datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone: tzinfo = _DEFAULT_PHOTO_OFFSET
    if offset:
        with suppress(ValueError):
            zone = datetime.strptime(offset.strip().rstrip("\x00"), "%z").tzinfo or zone
    return naive.replace(tzinfo=zone).astimezone(UTC)
