"""Evidence file rules: which formats are accepted (by content), the limits, and the words for a refusal."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from domain.text import N_, Text

MAX_FILES = 10  # per upload, and per thing files are attached to (a request, a message, an event)
MAX_BYTES = 10 * 1024 * 1024
# Pixels decoded at most. A JPEG is decoded reduced (1/2 … 1/8) straight towards the stored
# size, so its header may claim more: a 200-megapixel phone photo decodes at 1/4.
MAX_JPEG_PIXELS = 260_000_000
MAX_PIXELS = 50_000_000  # PNG, WebP and HEIC decode whole: 48 MP is the largest phone photo
STORED_EDGE = 3072  # the long edge of a stored photo: every detail a reviewer zooms into
THUMB_SIZE = 320
MAX_ICC_BYTES = 1024 * 1024  # colour profiles are a few KB; a larger block is not one

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
