"""Evidence files as rows: on a draft, staged with an action, listed and served to those
allowed to see them. The bytes are checked and re-encoded before they get here (web.images)
and kept in the file store under random names."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db.engine import atomic
from db.files import FileStore
from db.staging import stage_file
from db.tables import EvidenceFile, ReturnRequest
from domain.evidence import MAX_FILES, PreparedFile
from domain.terms import State


async def _store(store: FileStore, prepared: PreparedFile) -> dict[str, Any]:
    """Write the bytes (and the thumbnail); the row fields that name them."""
    stored_name = await store.save(prepared.content, prepared.extension)
    thumb_name = ""
    if prepared.thumb is not None:
        thumb_name = await store.save(prepared.thumb, ".jpg", suffix="-thumb")
    return {
        "kind": prepared.kind,
        "original_name": prepared.original_name,
        "stored_name": stored_name,
        "thumb_name": thumb_name,
        "content_type": prepared.content_type,
        "size": len(prepared.content),
        "sha256": prepared.sha256,
        "taken_at": prepared.taken_at,
    }


class _NothingWritten(Exception):
    """Leave a transaction by rolling it back (the draft's version moves only with a change)."""


async def add_to_draft(
    store: FileStore, request_id: int, merchant_id: int, prepared: PreparedFile
) -> int | None:
    """Attach a file to the merchant's own draft (a draft is private until submitted).

    None when it is no longer a draft of theirs or already holds MAX_FILES files; the draft's
    version moves, so a submit that counted its files meanwhile is told to look again."""
    fields = await _store(store, prepared)
    try:
        async with atomic():
            held = await _bump_draft(request_id, merchant_id)
            if held is None or held >= MAX_FILES:
                raise _NothingWritten
            rows = await EvidenceFile.insert(
                EvidenceFile(
                    request=request_id,
                    uploaded_by=f"merchant:{merchant_id}",
                    created_at=datetime.now(UTC),
                    **fields,
                )
            ).returning(EvidenceFile.id)
        return int(rows[0]["id"])
    except BaseException as error:
        await store.delete([fields["stored_name"], fields["thumb_name"]])
        if isinstance(error, _NothingWritten):
            return None
        raise


async def _bump_draft(request_id: int, merchant_id: int) -> int | None:
    """Inside a transaction: move the draft's version; how many files it holds (None: not a
    draft of this merchant's)."""
    bumped = (
        await ReturnRequest.update({ReturnRequest.version: ReturnRequest.version + 1})
        .where(
            (ReturnRequest.id == request_id)
            & (ReturnRequest.merchant == merchant_id)
            & (ReturnRequest.state == State.DRAFT.value)
        )
        .returning(ReturnRequest.id)
    )
    if not bumped:
        return None
    count: int = await EvidenceFile.count().where(_on_request_itself(request_id))
    return count


def _on_request_itself(request_id: int) -> Any:
    return (
        (EvidenceFile.request == request_id)
        & EvidenceFile.event.is_null()
        & EvidenceFile.message.is_null()
    )


async def stage(store: FileStore, request_id: int, uploaded_by: str, prepared: PreparedFile) -> int:
    """Store a file sent with a form; it waits, staged, for the action to attach it."""
    fields = await _store(store, prepared)
    try:
        return await stage_file(request_id, uploaded_by, fields)
    except BaseException:
        await store.delete([fields["stored_name"], fields["thumb_name"]])
        raise


async def remove_from_draft(
    store: FileStore, request_id: int, merchant_id: int, evidence_id: int
) -> bool:
    """Remove a file from the merchant's draft; False if there is no such file on a draft of
    theirs (submitted evidence is kept as a record)."""
    try:
        async with atomic():
            if await _bump_draft(request_id, merchant_id) is None:
                raise _NothingWritten
            deleted = (
                await EvidenceFile.delete()
                .where((EvidenceFile.id == evidence_id) & _on_request_itself(request_id))
                .returning(EvidenceFile.stored_name, EvidenceFile.thumb_name)
            )
            if not deleted:
                raise _NothingWritten
    except _NothingWritten:
        return False
    await store.delete([deleted[0]["stored_name"], deleted[0]["thumb_name"]])
    return True


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


async def draft_files(request_id: int) -> list[dict[str, Any]]:
    """The files given with the request itself (not with an event or a message), oldest first."""
    rows: list[dict[str, Any]] = (
        await EvidenceFile.select(*_COLUMNS)
        .where(_on_request_itself(request_id))
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


async def evidence_with_request(evidence_id: int) -> dict[str, Any] | None:
    """One file and the id of its request (staff views check access on the request)."""
    row: dict[str, Any] | None = (
        await EvidenceFile.select(*_COLUMNS, EvidenceFile.request)
        .where(EvidenceFile.id == evidence_id)
        .first()
    )
    return row


async def stored_names(request_id: int) -> list[str]:
    """Names of every stored file and thumbnail of a request (to remove them with the request)."""
    rows = await EvidenceFile.select(EvidenceFile.stored_name, EvidenceFile.thumb_name).where(
        EvidenceFile.request == request_id
    )
    return [name for row in rows for name in (row["stored_name"], row["thumb_name"]) if name]
