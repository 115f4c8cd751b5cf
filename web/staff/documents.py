"""Documents on the staff screen: the section (looking again while one is being prepared) and
the PDFs, for whoever may see the request (counter staff: their outlet's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.documents import request_case_file
from db.errors import NotFound
from db.request_views import request_id_of
from db.snapshots import load_snapshot
from domain.guards import not_theirs
from domain.request import ReturnSnapshot
from domain.rma import normalise_rma
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.documents import document_file, documents_view
from web.navigation import redirect_to
from web.rendering import render

GUARDS = [staff_required()]


async def _seen(request: Request[Any, Any, Any], rma: str) -> tuple[int, str, ReturnSnapshot]:
    canonical = normalise_rma(rma[:40])
    found = await request_id_of(canonical) if canonical else None
    if found is None or canonical is None:
        raise NotFound(rma)
    snapshot = await load_snapshot(found[0])
    if not_theirs(snapshot, current_staff(request).actor) is not None:
        raise NotFound(rma)
    return found[0], canonical, snapshot


@get("/staff/requests/{rma:str}/documents", name="staff_documents", guards=GUARDS)
async def section(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, canonical, snapshot = await _seen(request, rma)
    view = await documents_view(request_id, snapshot, f"/staff/requests/{canonical}", rma=canonical,
                                may_ask_case_file=current_staff(request).role is Role.SUPERVISOR)  # fmt: skip
    return render(request, "documents_section.html", headers={"Cache-Control": "no-store"}, **view)


@get("/staff/requests/{rma:str}/documents/{kind:str}", name="staff_document", guards=GUARDS)
async def download(
    request: Request[Any, Any, Any], rma: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    request_id, canonical, _snapshot = await _seen(request, rma)
    if kind == "case_file" and current_staff(request).role is not Role.SUPERVISOR:
        raise NotFound(kind)  # the whole record goes to the merchant and supervisors alone
    return await document_file(request.app.state.files, request_id, kind, canonical)


@post(
    "/staff/requests/{rma:str}/case-file",
    name="staff_case_file",
    guards=[staff_required(Role.SUPERVISOR)],
)
async def ask_case_file(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, canonical, _snapshot = await _seen(request, rma)
    await request_case_file(request_id, canonical, datetime.now(UTC))
    return redirect_to(request, f"/staff/requests/{canonical}#documents")


ROUTES: list[Any] = [section, download, ask_case_file]
