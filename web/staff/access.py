"""Which request an RMA in a staff URL names, for whoever may see it (counter staff: their
outlet's); anyone else gets the same 404 as for an RMA that names nothing."""

from __future__ import annotations

from typing import Any

from litestar import Request

from db.errors import NotFound
from db.request_views import request_id_of
from db.snapshots import load_snapshot
from domain.guards import not_theirs
from domain.request import ReturnSnapshot
from domain.rma import normalise_rma
from web.auth import current_staff


async def seen_request(
    request: Request[Any, Any, Any], rma: str
) -> tuple[int, str, ReturnSnapshot]:
    """(id, canonical RMA, snapshot) of the request, if the signed-in staff member may see it."""
    canonical = normalise_rma(rma[:40])
    found = await request_id_of(canonical) if canonical else None
    if found is None or canonical is None:
        raise NotFound(rma)
    snapshot = await load_snapshot(found[0])
    if not_theirs(snapshot, current_staff(request).actor) is not None:
        raise NotFound(rma)
    return found[0], canonical, snapshot
