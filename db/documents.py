"""Documents as stored: the newest version of each kind for a request, and recording a new
one — keyed so that a job run twice, or two jobs at once, make one file (and one
`document.ready` event for a partner that filed the request)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.engine import atomic
from db.evidence import place_of
from db.outbox import add_to_outbox
from db.tables import Document, EvidenceFile, OutboxRow, ReturnRequest
from db.webhooks import PARTNER_PREFIX, record_partner_event
from domain.file_access import Audience, shown_to


async def latest_document(request_id: int, kind: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await (
        Document.select()
        .where((Document.request_id == request_id) & (Document.kind == kind))
        .order_by(Document.number, ascending=False)
        .first()
    )
    return row


async def document_numbers(request_id: int) -> dict[str, int]:
    """The newest version number of each kind of document the request has."""
    rows = await Document.select(Document.kind, Document.number).where(
        Document.request_id == request_id
    )
    newest: dict[str, int] = {}
    for row in rows:
        newest[row["kind"]] = max(newest.get(row["kind"], 0), int(row["number"]))
    return newest


async def record_document(*, request_id: int, kind: str, facts_sha256: str, stored_name: str,
                          size: int, locale: str, now: datetime) -> int | None:  # fmt: skip
    """Record the next version; None when the newest version already says the same (another
    run of the job got there first) or another run took this number meanwhile (the unique
    index on request, kind and number refuses the second): the caller then drops its file."""
    async with atomic():
        latest = await latest_document(request_id, kind)
        if latest is not None and latest["facts_sha256"] == facts_sha256:
            return None
        number = (int(latest["number"]) if latest else 0) + 1
        inserted = (
            await Document.insert(
                Document(
                    request_id=request_id,
                    kind=kind,
                    number=number,
                    facts_sha256=facts_sha256,
                    stored_name=stored_name,
                    size=size,
                    locale=locale,
                    created_at=now,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Document.id)
        )
        if inserted:
            await _document_ready(request_id, kind, number, now)
    return number if inserted else None


async def _document_ready(request_id: int, kind: str, number: int, now: datetime) -> None:
    """A partner that filed the request hears of the new version, in the same transaction."""
    row = await (
        ReturnRequest.select(ReturnRequest.partner_client)
        .where(ReturnRequest.id == request_id)
        .first()
    )
    if row is None or row["partner_client"] is None:
        return
    await record_partner_event(
        request_id,
        f"{PARTNER_PREFIX}{row['partner_client']}",
        "document.ready",
        {"kind": kind, "number": number},
        now,
    )


async def case_file_sources(request_id: int) -> list[dict[str, Any]]:
    """Every file of the request as the merchant's side reads it (domain.file_access: no staff
    note's file is theirs to give), oldest first, with where it is stored."""
    rows: list[dict[str, Any]] = await (
        EvidenceFile.select(
            EvidenceFile.id,
            EvidenceFile.event,
            EvidenceFile.message,
            EvidenceFile.original_name,
            EvidenceFile.stored_name,
            EvidenceFile.content_type,
            EvidenceFile.size,
            EvidenceFile.uploaded_by,
            EvidenceFile.created_at,
            EvidenceFile.message.internal.as_alias("internal"),
            EvidenceFile.message.side_case.as_alias("side_case"),
        )
        .where(EvidenceFile.request == request_id)
        .order_by(EvidenceFile.id)
    )
    return [row for row in rows if shown_to(place_of(row), Audience.MERCHANT)]


async def request_case_file(request_id: int, rma: str, now: datetime) -> None:
    """Ask a worker for a fresh case file; asking again within the same minute is the same
    request (the outbox key), so a stream of clicks makes one."""
    await add_to_outbox(
        key=f"document:{rma}:case_file:{now:%Y%m%d%H%M}",
        job="render_document",
        payload={"request_id": request_id, "document": "case_file"},
        due_at=now,
    )


async def case_file_pending(rma: str) -> bool:
    """Whether a case file asked for is still being made."""
    pending: bool = await OutboxRow.exists().where(
        OutboxRow.key.like(f"document:{rma}:case_file:%")
        & OutboxRow.done_at.is_null()
        & OutboxRow.dead_at.is_null()
    )
    return pending
