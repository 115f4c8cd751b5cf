"""The tus 1.0.0 resumable-upload protocol as ReturnDesk speaks it (core, creation,
creation-with-upload, termination, expiration, checksum with SHA-1): its limits, and what a
request's headers mean. web.merchant.resumable answers over HTTP."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

from domain.evidence import MAX_BYTES

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHECKSUMS = "sha1"
CHUNK_TYPE = "application/offset+octet-stream"
MAX_SIZE = MAX_BYTES  # what the portal keeps of one file; larger is refused at creation
# one PATCH carries at most this much (the client sends 1 MB chunks): a request body is bounded
# like any other, and a chunk lost on a weak connection costs little to send again
MAX_CHUNK = 2 * 1024 * 1024
# an upload nobody added to for this long is gone (its bytes purged by the nightly job)
EXPIRES_AFTER = timedelta(hours=24)
CHECKSUM_MISMATCH = 460  # tus's own status


@dataclass(frozen=True)
class Checksum:
    digest: bytes  # SHA-1, the one algorithm offered

    def matches(self, content: bytes) -> bool:
        return hashlib.sha1(content).digest() == self.digest  # noqa: S324  (tus names SHA-1)


def metadata(header: str) -> dict[str, str] | None:
    """Upload-Metadata: `key base64value` pairs separated by commas; None when malformed."""
    found: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, value = pair.partition(" ")
        if not key.isascii() or not key.isprintable() or key in found:
            return None
        try:
            found[key] = base64.b64decode(value, validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError):
            return None
    return found


def checksum(header: str) -> Checksum | None:
    """Upload-Checksum: `sha1 <base64 digest>`; None when absent. ValueError when malformed or
    not an algorithm ReturnDesk reads (a 400)."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    digest = base64.b64decode(encoded, validate=True)  # binascii.Error is a ValueError
    if algorithm.lower() != CHECKSUMS or len(digest) != 20:
        raise ValueError(header)
    return Checksum(digest)


def whole_number(header: str) -> int | None:
    """A header that must be a non-negative integer (Upload-Length, Upload-Offset)."""
    text = header.strip()
    return int(text) if text.isdigit() and len(text) <= 15 else None


def expires_header(moment: datetime) -> str:
    """Upload-Expires, in the RFC 9110 date format."""
    return format_datetime(moment, usegmt=True)
