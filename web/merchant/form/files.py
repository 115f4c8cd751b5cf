"""Evidence files as the merchant sees them: a stored file or its thumbnail, to its owner only."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import File

from db.errors import NotFound
from db.evidence import evidence_for_merchant
from web.auth import current_merchant
from web.merchant.form.common import GUARDS
from web.params import row_id

# whatever a file holds, it runs nothing on our origin
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def file_response(store: Any, row: dict[str, Any], kind: str) -> File:
    """A stored file (or its thumbnail) with headers that keep it inert; NotFound if gone."""
    name = row["stored_name"] if kind == "original" else row["thumb_name"]
    path = store.local_path(name) if name else None
    if path is None:
        raise NotFound(row["id"])
    filename = row["original_name"]
    if kind == "thumb":
        filename = filename.rsplit(".", 1)[0] + "-thumb.jpg"
    is_pdf = row["content_type"] == "application/pdf" and kind == "original"
    return File(
        path=path,
        filename=filename,
        media_type="image/jpeg" if kind == "thumb" else row["content_type"],
        content_disposition_type="attachment" if is_pdf else "inline",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": FILE_POLICY,
        },
    )


@get("/files/{evidence_id:str}/{kind:str}", guards=GUARDS, name="evidence_file")
async def evidence_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[str], kind: FromPath[str]
) -> File:
    """A stored file or its thumbnail, only for the merchant whose request it is on (else 404)."""
    if kind not in ("original", "thumb"):
        raise NotFound(kind)
    row = await evidence_for_merchant(row_id(evidence_id), current_merchant(request).id)
    if row is None:
        raise NotFound(evidence_id)
    return file_response(request.app.state.files, row, kind)


ROUTES: list[Any] = [evidence_file]
