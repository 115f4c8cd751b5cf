"""The request's documents on its pages (merchant and staff alike): each one due, with its
links once a worker has made it, "being prepared" until then; and the PDF itself, kept inert:
to download, or to open in the browser's viewer (WeChat's browser cannot save a download: an
opened PDF is what a merchant there can read, print or forward)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from db.documents import case_file_pending, document_numbers, latest_document
from db.errors import NotFound
from domain.documents import DOCUMENT_LABELS, documents_due
from domain.request import ReturnSnapshot
from web.files import stored_file
from web.i18n import gettext as _


async def documents_view(request_id: int, snapshot: ReturnSnapshot, url: str, *, rma: str,
                         may_ask_case_file: bool) -> dict[str, Any]:  # fmt: skip
    """What the documents section shows: each due (or made, or asked for) document, whether
    any is still being prepared (then the section looks again on its own), and the case file
    button for those who may ask for one."""
    made = await document_numbers(request_id)
    asked = {"case_file"} if await case_file_pending(rma) else set()
    due = set(documents_due(snapshot)) | asked
    kinds = [k for k in DOCUMENT_LABELS if k in made or k in due]
    shown = [_shown(kind, 0 if kind in asked else made.get(kind, 0), url) for kind in kinds]
    preparing = any(not document["number"] for document in shown)
    return {"documents": shown, "preparing": preparing, "documents_url": f"{url}/documents",
            "case_file_url": f"{url}/case-file" if may_ask_case_file else ""}  # fmt: skip


def _zipped(kind: str) -> bool:
    """The case file is a ZIP (no viewer opens it); every other document a PDF."""
    return kind == "case_file"


def _shown(kind: str, number: int, url: str) -> dict[str, Any]:
    label = _(DOCUMENT_LABELS[kind])
    return {"kind": kind, "label": label, "number": number, "url": f"{url}/documents/{kind}",
            "opens": not _zipped(kind)}  # fmt: skip


def opens(request: Request[Any, Any, Any]) -> bool:
    """Whether a page asks for the document to open (`?open=1`) rather than to download."""
    return request.query_params.get("open") == "1"


async def document_file(
    store: Any, request_id: int, kind: str, rma: str, *, open_it: bool = False
) -> Response[Any]:
    """The newest version of this kind of document, as an attachment or — a PDF asked to open —
    inline; NotFound while there is none."""
    if kind not in DOCUMENT_LABELS:
        raise NotFound(kind)
    row = await latest_document(request_id, kind)
    if row is None:
        raise NotFound(kind)
    zipped = _zipped(kind)
    return await stored_file(
        store,
        row["stored_name"],
        filename=f"{rma}-{kind}-v{row['number']}.{'zip' if zipped else 'pdf'}",
        media_type="application/zip" if zipped else "application/pdf",
        attachment=zipped or not open_it,
        cache="private, no-cache",
    )
