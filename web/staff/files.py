"""A request's files for staff: every file of any request they may open (counter staff: their
outlet's), wherever it is attached (domain.file_access)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from web.auth import current_staff, staff_required
from web.files import request_file_response


@get("/staff/files/{evidence_id:str}/{kind:str}", guards=[staff_required()], name="staff_file")
async def staff_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    actor = current_staff(request).actor
    return await request_file_response(request.app.state.files, actor, evidence_id, kind)


ROUTES: list[Any] = [staff_file]
