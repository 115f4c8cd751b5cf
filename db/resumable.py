"""Resumable uploads as rows: made for a merchant's draft and session, moved on as chunks are
kept (each a part in the file store), ended when complete, terminated or expired."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.files import FileStore
from db.tables import ResumableUpload


@dataclass(frozen=True)
class Upload:
    key: str
    request_id: int
    filename: str
    length: int
    offset: int
    expires_at: datetime
    parts: tuple[str, ...] = ()  # the file store's names of what has arrived, in order


def _upload(row: dict[str, Any]) -> Upload:
    return Upload(row["key"], row["request_id"], row["filename"], row["length"], row["offset"],
                  row["expires_at"], tuple(row["parts"].split()))  # fmt: skip


async def new_upload(
    owner: str, request_id: int, filename: str, length: int, expires_at: datetime
) -> Upload:
    key = secrets.token_hex(16)
    await ResumableUpload.insert(ResumableUpload(
        key=key, owner=owner, request_id=request_id, filename=filename, length=length,
        offset=0, expires_at=expires_at,
    ))  # fmt: skip
    return Upload(key, request_id, filename, length, 0, expires_at)


async def owned_upload(key: str, owner: str) -> Upload | None:
    """The upload at this address if this session made it (expired or not)."""
    row = await (
        ResumableUpload.select()
        .where((ResumableUpload.key == key) & (ResumableUpload.owner == owner))
        .first()
    )
    return _upload(row) if row else None


async def moved_on(key: str, was: int, now_at: int, part: str, expires_at: datetime) -> bool:
    """Record the part a chunk added, if no other chunk moved the upload meanwhile."""
    moved = await (
        ResumableUpload.update({
            ResumableUpload.offset: now_at,
            ResumableUpload.parts: ResumableUpload.parts + f"{part} ",
            ResumableUpload.expires_at: expires_at,
        })
        .where((ResumableUpload.key == key) & (ResumableUpload.offset == was))
        .returning(ResumableUpload.key)
    )  # fmt: skip
    return bool(moved)


async def forget_upload(key: str) -> None:
    await ResumableUpload.delete().where(ResumableUpload.key == key)


async def purge_expired_uploads(store: FileStore, now: datetime) -> int:
    """Uploads past their expiry, their rows and parts gone (the nightly job)."""
    rows = await ResumableUpload.select(ResumableUpload.key, ResumableUpload.parts).where(
        ResumableUpload.expires_at <= now
    )
    if not rows:
        return 0
    await ResumableUpload.delete().where(ResumableUpload.key.is_in([row["key"] for row in rows]))
    await store.delete(name for row in rows for name in str(row["parts"]).split())
    return len(rows)
