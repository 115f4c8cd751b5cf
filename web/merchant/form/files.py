"""A request's files as the merchant sees them: a stored file or its thumbnail, where the one
file rule (domain.file_access) lets them see it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from web.auth import current_merchant, merchant_actor
from web.files import request_file_response
from web.merchant.form.common import GUARDS


@get("/files/{evidence_id:str}/{kind:str}", guards=GUARDS, name="evidence_file")
async def evidence_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    """A file on one of the merchant's requests, never a staff note's (else 404)."""
    actor = merchant_actor(current_merchant(request))
    return await request_file_response(request.app.state.files, actor, evidence_id, kind)


ROUTES: list[Any] = [evidence_file]
