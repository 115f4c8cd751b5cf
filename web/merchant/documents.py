"""The merchant's documents: the section on the request page (which looks again while one is
being prepared) and the PDFs, for their own requests only — anyone else's is the same 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.documents import request_case_file
from db.errors import NotFound
from db.request_views import merchant_request_id
from db.snapshots import load_snapshot
from domain.rma import normalise_rma
from web.auth import current_merchant, merchant_required
from web.documents import document_file, documents_view, opens
from web.merchant.request_view import page_url
from web.navigation import redirect_to
from web.rendering import render


async def _own(request: Request[Any, Any, Any], rma: str) -> tuple[int, str]:
    canonical = normalise_rma(rma[:40])
    found = (
        await merchant_request_id(canonical, current_merchant(request).id) if canonical else None
    )
    if found is None or canonical is None:
        raise NotFound(rma)
    return found[0], canonical


@get("/returns/{rma:str}/documents", name="request_documents", guards=[merchant_required])
async def section(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, canonical = await _own(request, rma)
    snapshot = await load_snapshot(request_id)
    view = await documents_view(request_id, snapshot, page_url(canonical), rma=canonical,
                                may_ask_case_file=True)  # fmt: skip
    return render(request, "documents_section.html", headers={"Cache-Control": "no-store"}, **view)


@get("/returns/{rma:str}/documents/{kind:str}", name="request_document", guards=[merchant_required])
async def download(
    request: Request[Any, Any, Any], rma: FromPath[str], kind: FromPath[str]
) -> Response[Any]:
    request_id, canonical = await _own(request, rma)
    return await document_file(
        request.app.state.files, request_id, kind, canonical, open_it=opens(request)
    )


@post("/returns/{rma:str}/case-file", name="request_case_file", guards=[merchant_required])
async def ask_case_file(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """A fresh case file, made by a worker; the documents section shows it being prepared."""
    request_id, canonical = await _own(request, rma)
    await request_case_file(request_id, canonical, datetime.now(UTC))
    return redirect_to(request, page_url(canonical) + "#documents")


ROUTES: list[Any] = [section, download, ask_case_file]
