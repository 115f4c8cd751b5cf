"""Evidence files as rows: on a draft, staged with an action, listed and served to those
allowed to see them. The bytes are checked and re-encoded before they get here (web.images)
and kept in the file store under random names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.engine import atomic
from db.files import FileStore
from db.photo_matches import index_photos
from db.staging import stage_file
from db.tables import EvidenceFile, ReturnRequest
from domain.evidence import MAX_FILES, PreparedFile
from domain.file_access import FilePlace, file_place
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
        "photo_hashes": prepared.photo_hashes,
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
            await index_photos([(rows[0]["id"], fields["photo_hashes"])])
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


@dataclass(frozen=True)
class RequestFile:
    """One file of a request, where it is attached, and whose request it is: what deciding who
    may be given it needs (domain.file_access.may_see_file)."""

    row: dict[str, Any]
    place: FilePlace
    owner: Owner


@dataclass(frozen=True)
class Owner:
    """Whose request a file is on (domain.guards.Owned)."""

    merchant_id: int
    outlet_id: int | None
    partner_client: str | None


async def request_file(evidence_id: int) -> RequestFile | None:
    """One file with its place and its request's owners, in one query; None if there is none."""
    row: dict[str, Any] | None = (
        await EvidenceFile.select(
            *_COLUMNS,
            EvidenceFile.request.merchant.as_alias("merchant_id"),
            EvidenceFile.request.outlet.as_alias("outlet_id"),
            EvidenceFile.request.partner_client.as_alias("partner_client_id"),
            EvidenceFile.message.internal.as_alias("internal"),
            EvidenceFile.message.side_case.as_alias("side_case"),
        )
        .where(EvidenceFile.id == evidence_id)
        .first()
    )
    if row is None:
        return None
    partner = row["partner_client_id"]
    return RequestFile(
        row=row,
        place=place_of(row),
        owner=Owner(
            row["merchant_id"], row["outlet_id"], f"partner:{partner}" if partner else None
        ),
    )


def place_of(row: dict[str, Any]) -> FilePlace:
    """Where a file row is attached (its event, message, message's internal flag and case)."""
    return file_place(
        event=row["event"] is not None,
        message=row["message"] is not None,
        side_case=row["side_case"] is not None,
        internal=bool(row["internal"]),
    )


async def stored_names(request_id: int) -> list[str]:
    """Names of every stored file and thumbnail of a request (to remove them with the request)."""
    rows = await EvidenceFile.select(EvidenceFile.stored_name, EvidenceFile.thumb_name).where(
        EvidenceFile.request == request_id
    )
    return [name for row in rows for name in (row["stored_name"], row["thumb_name"]) if name]
