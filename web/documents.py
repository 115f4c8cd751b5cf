"""The request's documents on its pages (merchant and staff alike): each one due, with its
download link once a worker has made it, "being prepared" until then; and the PDF itself,
served as an attachment that runs nothing."""

from __future__ import annotations

from typing import Any

from litestar.response import File

from db.documents import document_numbers, latest_document
from db.errors import NotFound
from domain.documents import DOCUMENT_LABELS, documents_due
from domain.request import ReturnSnapshot
from web.files import FILE_POLICY
from web.i18n import gettext as _


async def documents_view(request_id: int, snapshot: ReturnSnapshot, url: str) -> dict[str, Any]:
    """What the documents section shows: each due (or made) document and whether any is still
    being prepared (then the section looks again on its own)."""
    made = await document_numbers(request_id)
    kinds = [k for k in DOCUMENT_LABELS if k in made or k in documents_due(snapshot)]
    shown = [_shown(kind, made.get(kind, 0), url) for kind in kinds]
    preparing = any(not document["number"] for document in shown)
    return {"documents": shown, "preparing": preparing, "documents_url": f"{url}/documents"}


def _shown(kind: str, number: int, url: str) -> dict[str, Any]:
    label = _(DOCUMENT_LABELS[kind])
    return {"kind": kind, "label": label, "number": number, "url": f"{url}/documents/{kind}"}


async def document_file(store: Any, request_id: int, kind: str, rma: str) -> File:
    """The newest version of this kind of document; NotFound while there is none."""
    if kind not in DOCUMENT_LABELS:
        raise NotFound(kind)
    row = await latest_document(request_id, kind)
    path = store.local_path(row["stored_name"]) if row else None
    if row is None or path is None:
        raise NotFound(kind)
    return File(
        path=path,
        filename=f"{rma}-{kind}-v{row['number']}.pdf",
        media_type="application/pdf",
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
            "Content-Security-Policy": FILE_POLICY,
        },
    )
