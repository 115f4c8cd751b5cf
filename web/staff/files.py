"""Evidence files for staff: any request's, except counter staff, who see their outlet's only."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from db.errors import NotFound
from db.evidence import evidence_with_request
from db.snapshots import load_snapshot
from domain.guards import not_theirs
from web.auth import current_staff, staff_required
from web.files import file_response
from web.params import row_id


@get("/staff/files/{evidence_id:str}/{kind:str}", guards=[staff_required()], name="staff_file")
async def staff_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    if kind not in ("original", "thumb"):
        raise NotFound(kind)
    row = await evidence_with_request(row_id(evidence_id))
    if row is None:
        raise NotFound(evidence_id)
    snapshot = await load_snapshot(int(row["request"]))
    if not_theirs(snapshot, current_staff(request).actor) is not None:
        raise NotFound(evidence_id)
    return await file_response(request.app.state.files, row, kind)


ROUTES: list[Any] = [staff_file]
