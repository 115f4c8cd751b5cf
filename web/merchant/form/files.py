"""Evidence files as the merchant sees them: a stored file or its thumbnail, to its owner only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from db.errors import NotFound
from db.evidence import evidence_for_merchant
from web.auth import current_merchant
from web.files import file_response
from web.merchant.form.common import GUARDS
from web.params import row_id


@get("/files/{evidence_id:str}/{kind:str}", guards=GUARDS, name="evidence_file")
async def evidence_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    """A stored file or its thumbnail, only for the merchant whose request it is on (else 404)."""
    if kind not in ("original", "thumb"):
        raise NotFound(kind)
    row = await evidence_for_merchant(row_id(evidence_id), current_merchant(request).id)
    if row is None:
        raise NotFound(evidence_id)
    return await file_response(request.app.state.files, row, kind)


ROUTES: list[Any] = [evidence_file]
