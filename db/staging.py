"""Files uploaded with a form wait here, stored but not attached, until the action they came
with attaches them inside its own transaction; the ones never attached are purged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from db.files import FileStore
from db.photo_matches import index_photos
from db.tables import EvidenceFile, StagedFile
from domain.evidence import MAX_FILES

_FILE_FIELDS = (
    "kind",
    "original_name",
    "stored_name",
    "thumb_name",
    "content_type",
    "size",
    "sha256",
    "taken_at",
    "photo_hashes",
)


async def stage_file(request_id: int, uploaded_by: str, fields: dict[str, Any]) -> int:
    """Record a stored file as waiting for `uploaded_by`'s action on the request."""
    rows = await StagedFile.insert(
        StagedFile(request=request_id, uploaded_by=uploaded_by, **fields)
    ).returning(StagedFile.id)
    return int(rows[0]["id"])


async def staged_ids(request_id: int, actor_id: str, ids: Sequence[int]) -> list[int]:
    """Of these ids, the files this actor staged on this request (at most MAX_FILES)."""
    if not ids:
        return []
    rows = await (
        StagedFile.select(StagedFile.id)
        .where(
            StagedFile.id.is_in(list(ids)[:MAX_FILES])
            & (StagedFile.request == request_id)
            & (StagedFile.uploaded_by == actor_id)
        )
        .order_by(StagedFile.id)
    )
    return [int(row["id"]) for row in rows]


async def attach_staged(
    ids: Sequence[int],
    request_id: int,
    *,
    event_id: int | None = None,
    message_id: int | None = None,
) -> int:
    """Move staged files onto the request (with an event or a message): call it inside the
    action's transaction, so a refused or failed action attaches nothing."""
    if not ids:
        return 0
    staged = await StagedFile.select().where(
        StagedFile.id.is_in(list(ids)) & (StagedFile.request == request_id)
    )
    if not staged:
        return 0
    added = await EvidenceFile.insert(
        *[
            EvidenceFile(
                request=request_id,
                event=event_id,
                message=message_id,
                uploaded_by=row["uploaded_by"],
                created_at=row["created_at"],
                **{name: row[name] for name in _FILE_FIELDS},
            )
            for row in staged
        ]
    ).returning(EvidenceFile.id, EvidenceFile.photo_hashes)
    await index_photos((row["id"], row["photo_hashes"]) for row in added)
    await StagedFile.delete().where(StagedFile.id.is_in([row["id"] for row in staged]))
    return len(staged)


async def purge_staged(store: FileStore, older_than: datetime) -> int:
    """Remove files staged before `older_than` and never attached (a refused or abandoned form)."""
    rows = await StagedFile.select(
        StagedFile.id, StagedFile.stored_name, StagedFile.thumb_name
    ).where(StagedFile.created_at < older_than)
    if not rows:
        return 0
    await StagedFile.delete().where(StagedFile.id.is_in([row["id"] for row in rows]))
    await store.delete(name for row in rows for name in (row["stored_name"], row["thumb_name"]))
    return len(rows)


async def staged_file(file_id: int, request_id: int, actor_id: str) -> dict[str, Any] | None:
    """One staged file, only for the actor who staged it on that request (else None: 404)."""
    row: dict[str, Any] | None = (
        await StagedFile.select()
        .where(
            (StagedFile.id == file_id)
            & (StagedFile.request == request_id)
            & (StagedFile.uploaded_by == actor_id)
        )
        .first()
    )
    return row


async def unstage(store: FileStore, file_id: int, request_id: int, actor_id: str) -> bool:
    """The actor takes back a file they staged (the picker's remove button)."""
    removed = (
        await StagedFile.delete()
        .where(
            (StagedFile.id == file_id)
            & (StagedFile.request == request_id)
            & (StagedFile.uploaded_by == actor_id)
        )
        .returning(StagedFile.stored_name, StagedFile.thumb_name)
    )
    if not removed:
        return False
    await store.delete([removed[0]["stored_name"], removed[0]["thumb_name"]])
    return True
