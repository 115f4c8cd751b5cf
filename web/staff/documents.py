"""Documents on the staff screen: the section (looking again while one is being prepared) and
the PDFs, for whoever may see the request (counter staff: their outlet's)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.documents import request_case_file
from db.errors import NotFound
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.documents import document_file, documents_view, opens
from web.navigation import redirect_to
from web.rendering import render
from web.staff.access import seen_request

GUARDS = [staff_required()]


@get("/staff/requests/{rma:str}/documents", name="staff_documents", guards=GUARDS)
async def section(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, canonical, snapshot = await seen_request(request, rma)
    view = await documents_view(request_id, snapshot, f"/staff/requests/{canonical}", rma=canonical,
                                may_ask_case_file=current_staff(request).role is Role.SUPERVISOR)  # fmt: skip
    return render(request, "documents_section.html", headers={"Cache-Control": "no-store"}, **view)


@get("/staff/requests/{rma:str}/documents/{kind:str}", name="staff_document", guards=GUARDS)
async def download(
    request: Request[Any, Any, Any], rma: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    request_id, canonical, _snapshot = await seen_request(request, rma)
    if kind == "case_file" and current_staff(request).role is not Role.SUPERVISOR:
        raise NotFound(kind)  # the whole record goes to the merchant and supervisors alone
    return await document_file(
        request.app.state.files, request_id, kind, canonical, open_it=opens(request)
    )


@post(
    "/staff/requests/{rma:str}/case-file",
    name="staff_case_file",
    guards=[staff_required(Role.SUPERVISOR)],
)
async def ask_case_file(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, canonical, _snapshot = await seen_request(request, rma)
    await request_case_file(request_id, canonical, datetime.now(UTC))
    return redirect_to(request, f"/staff/requests/{canonical}#documents")


ROUTES: list[Any] = [section, download, ask_case_file]
