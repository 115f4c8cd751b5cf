"""Evidence files: checked by content, re-encoded without location data, stored outside the web root.

Callers check that the actor may attach to (or see) the request before calling in here; these
functions trust the ids they are given, except where a function says it checks ownership.
"""

from __future__ import annotations

import hashlib
import secrets
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import anyio.to_thread
import pillow_heif
from PIL import ExifTags, Image, ImageOps

from db.tables import EvidenceFile, ReturnRequest
from domain.evidence import (
    HEIC,
    JPEG,
    MAX_BYTES,
    MAX_FILES,
    MAX_PIXELS,
    PDF,
    PNG,
    THUMB_SIZE,
    FileFormat,
    damaged,
    photo_taken_at,
    size_problem,
    sniff_format,
    too_many,
    unsupported,
)
from domain.terms import State
from domain.text import Text

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "EvidenceProblem",
    "attached_count",
    "delete_evidence",
    "evidence_for",
    "evidence_for_merchant",
    "evidence_path",
    "remove_stored_files",
    "store_evidence",
    "stored_names",
]

pillow_heif.register_heif_opener()

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_TIME_ORIGINAL = 0x9011


@dataclass(frozen=True)
class EvidenceProblem:
    """Why one file was not accepted; `message` names the file (render it with render_text)."""

    filename: str
    message: Text


@dataclass(frozen=True)
class _Prepared:
    format: FileFormat
    stored: bytes
    thumb: bytes | None
    taken_at: datetime | None
    sha256: str


def evidence_path(files_dir: Path, stored_name: str) -> Path:
    """Where a stored file lives; a name that is not one of ours (a path, "..") raises ValueError."""
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return files_dir / stored_name


def _clean_name(filename: str) -> str:
    """The name as the merchant knows it, without any folders a browser sent along."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "file"


def _prepare(filename: str, content: bytes) -> _Prepared | Text:
    """Blocking: check the content, re-encode images without metadata, make the thumbnail."""
    problem = size_problem(filename, len(content))
    if problem is not None:
        return problem
    fmt = sniff_format(content[:32])
    if fmt is None:
        return unsupported(filename)
    digest = hashlib.sha256(content).hexdigest()
    if fmt is PDF:
        # a PDF ends with %%EOF (a few bytes of trailing junk are common); no end means cut off
        if b"%%EOF" not in content[-2048:]:
            return damaged(filename)
        return _Prepared(PDF, content, None, None, digest)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _prepare_image(fmt, content, digest, filename)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return damaged(filename)


def _prepare_image(fmt: FileFormat, content: bytes, digest: str, filename: str) -> _Prepared | Text:
    with Image.open(BytesIO(content)) as probe:
        if probe.format != _PIL_FORMATS[fmt.name]:
            return unsupported(filename)
        width, height = probe.size
        if width * height > MAX_PIXELS:
            return damaged(filename)
        probe.verify()
    with Image.open(BytesIO(content)) as opened:
        opened.load()
        exif = opened.getexif()
        details = exif.get_ifd(ExifTags.IFD.Exif)
        taken_at = photo_taken_at(
            _exif_text(details.get(_EXIF_DATETIME_ORIGINAL)),
            _exif_text(details.get(_EXIF_OFFSET_TIME_ORIGINAL)),
        )
        # turn the pixels the way the camera meant, since the orientation tag goes with the EXIF
        image = ImageOps.exif_transpose(opened)
    icc = image.info.get("icc_profile")
    image.info = {}  # EXIF (GPS, device), XMP, comments: nothing of the original's metadata stays
    stored_format = JPEG if fmt is HEIC else fmt
    stored = BytesIO()
    extra: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if stored_format is JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(stored, "JPEG", quality=85, optimize=True, **extra)
    elif stored_format is PNG:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(stored, "PNG", **extra)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(stored, "WEBP", quality=85, **extra)
    thumb_image = image.convert("RGB")
    thumb_image.thumbnail((THUMB_SIZE, THUMB_SIZE))
    thumb = BytesIO()
    thumb_image.save(thumb, "JPEG", quality=80)
    return _Prepared(stored_format, stored.getvalue(), thumb.getvalue(), taken_at, digest)


def _exif_text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode("ascii", "ignore")
    return value if isinstance(value, str) else None


def _write(files_dir: Path, prepared: _Prepared) -> tuple[str, str]:
    """Blocking: write the stored file and its thumbnail under new random names."""
    files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16) + prepared.format.extension
    evidence_path(files_dir, stored_name).write_bytes(prepared.stored)
    thumb_name = ""
    if prepared.thumb is not None:
        thumb_name = secrets.token_hex(16) + "-thumb.jpg"
        evidence_path(files_dir, thumb_name).write_bytes(prepared.thumb)
    return stored_name, thumb_name


def _unlink(files_dir: Path, names: list[str]) -> None:
    for name in names:
        if name:
            evidence_path(files_dir, name).unlink(missing_ok=True)


async def attached_count(
    request_id: int, *, event_id: int | None = None, message_id: int | None = None
) -> int:
    """Files already attached to the request itself (no event/message), or to one event/message."""
    where: Any = EvidenceFile.request == request_id
    if message_id is not None:
        where &= EvidenceFile.message == message_id
    elif event_id is not None:
        where &= EvidenceFile.event == event_id
    else:
        where &= EvidenceFile.message.is_null() & EvidenceFile.event.is_null()
    count: int = await EvidenceFile.count().where(where)
    return count


async def store_evidence(
    request_id: int,
    filename: str,
    content: bytes,
    uploaded_by: str,
    files_dir: Path,
    *,
    event_id: int | None = None,
    message_id: int | None = None,
) -> int | EvidenceProblem:
    """Check one upload by its content and store it; the new EvidenceFile id, or why not.

    At most MAX_FILES files per request (files on the request itself), per event or per
    message. Images are re-encoded without EXIF/location; the photo's DateTimeOriginal is read
    first and kept as taken_at; sha256 is of the bytes as uploaded.
    """
    name = _clean_name(filename)
    held = await attached_count(request_id, event_id=event_id, message_id=message_id)
    if held >= MAX_FILES:
        return EvidenceProblem(name, too_many(name))
    prepared = await anyio.to_thread.run_sync(_prepare, name, content)
    if isinstance(prepared, Text):
        return EvidenceProblem(name, prepared)
    stored_name, thumb_name = await anyio.to_thread.run_sync(_write, files_dir, prepared)
    try:
        rows = await EvidenceFile.insert(
            EvidenceFile(
                request=request_id,
                event=event_id,
                message=message_id,
                kind=prepared.format.kind,
                original_name=name,
                stored_name=stored_name,
                thumb_name=thumb_name,
                content_type=prepared.format.content_type,
                size=len(prepared.stored),
                sha256=prepared.sha256,
                taken_at=prepared.taken_at,
                uploaded_by=uploaded_by,
                created_at=datetime.now(UTC),
            )
        ).returning(EvidenceFile.id)
    except BaseException:
        await anyio.to_thread.run_sync(_unlink, files_dir, [stored_name, thumb_name])
        raise
    return int(rows[0]["id"])


_COLUMNS = (
    EvidenceFile.id,
    EvidenceFile.request,
    EvidenceFile.event,
    EvidenceFile.message,
    EvidenceFile.kind,
    EvidenceFile.original_name,
    EvidenceFile.stored_name,
    EvidenceFile.thumb_name,
    EvidenceFile.content_type,
    EvidenceFile.size,
    EvidenceFile.sha256,
    EvidenceFile.taken_at,
    EvidenceFile.uploaded_by,
    EvidenceFile.created_at,
)


async def evidence_for(request_id: int) -> list[dict[str, Any]]:
    """Every file on a request, oldest first: id, request, event, message, kind, original_name,
    stored_name, thumb_name, content_type, size, sha256, taken_at, uploaded_by, created_at."""
    rows: list[dict[str, Any]] = (
        await EvidenceFile.select(*_COLUMNS)
        .where(EvidenceFile.request == request_id)
        .order_by(EvidenceFile.id)
    )
    return rows


async def evidence_for_merchant(evidence_id: int, merchant_id: int) -> dict[str, Any] | None:
    """One file, only if it is on a request of this merchant (None otherwise: answer 404)."""
    row: dict[str, Any] | None = (
        await EvidenceFile.select(*_COLUMNS)
        .where((EvidenceFile.id == evidence_id) & (EvidenceFile.request.merchant == merchant_id))
        .first()
    )
    return row


async def stored_names(request_id: int) -> list[str]:
    """Names of every stored file and thumbnail of a request (to remove them with the request)."""
    rows = await EvidenceFile.select(EvidenceFile.stored_name, EvidenceFile.thumb_name).where(
        EvidenceFile.request == request_id
    )
    return [name for row in rows for name in (row["stored_name"], row["thumb_name"]) if name]


async def remove_stored_files(files_dir: Path, names: list[str]) -> None:
    await anyio.to_thread.run_sync(_unlink, files_dir, names)


async def delete_evidence(request_id: int, evidence_id: int, files_dir: Path) -> bool:
    """Remove a file from a request while it is a draft; False if there is no such file or the
    request is no longer a draft (submitted evidence is kept as a record)."""
    request = (
        await ReturnRequest.select(ReturnRequest.state)
        .where(ReturnRequest.id == request_id)
        .first()
    )
    if request is None or request["state"] != State.DRAFT:
        return False
    row = (
        await EvidenceFile.select(EvidenceFile.stored_name, EvidenceFile.thumb_name)
        .where((EvidenceFile.id == evidence_id) & (EvidenceFile.request == request_id))
        .first()
    )
    if row is None:
        return False
    deleted = (
        await EvidenceFile.delete()
        .where((EvidenceFile.id == evidence_id) & (EvidenceFile.request == request_id))
        .returning(EvidenceFile.id)
    )
    if not deleted:
        return False
    await remove_stored_files(files_dir, [row["stored_name"], row["thumb_name"]])
    return True
