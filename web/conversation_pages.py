"""Talking about a request: the message thread with customer service, and the side cases
(logistics problem, shipping-fee dispute), each with a thread of its own. Append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.conversations import open_side_case, post_message
from db.returns import Conflict, NotFound, load_snapshot
from db.timeline import side_case, side_cases
from domain.lifecycle import Refusal
from domain.side_cases import (
    SIDE_CASE_LABELS,
    SIDE_CASE_STATUS_LABELS,
    SideCaseKind,
    side_cases_offered,
)
from web import request_view as request_page
from web.i18n import render_text
from web.merchant_signin import merchant_required
from web.navigation import redirect_to
from web.rendering import render
from web.uploads import UPLOAD_BODY_LIMIT, read_uploads, store_all

CASE_TEMPLATE = "merchant/request/side_case.html"


def _kind(raw: object) -> SideCaseKind:
    try:
        return SideCaseKind(str(raw))
    except ValueError:
        raise NotFound(raw) from None


@post(
    "/returns/{rma:str}/messages",
    name="request_message",
    guards=[merchant_required],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def send_message(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """A message to customer service on the request; it changes nothing else on it."""
    request_id, _version = await request_page.own_request(request, rma)
    form = await request.form()
    body = str(form.get("body") or "")
    uploads, problem = await read_uploads(form)
    result: int | Refusal | None = None
    merchant = request.state.merchant
    actor = request_page.merchant_actor(merchant)
    if not problem:
        result = await post_message(
            request_id, actor, merchant.name, body, datetime.now(UTC), attachments=len(uploads)
        )
        if isinstance(result, Refusal):
            problem = render_text(result.message)
    if problem or not isinstance(result, int):
        context = await request_page.page_context(
            request,
            request_id,
            problem={"form": "message", "message": problem},
            values={"body": body},
        )
        return render(
            request,
            request_page.TEMPLATE,
            status_code=422,
            headers=request_page.stay_at(context["url"]),
            **context,
        )
    late = await store_all(request, uploads, request_id, actor.id, message_id=result)
    if late:
        context = await request_page.page_context(request, request_id, notice=late)
        return render(
            request, request_page.TEMPLATE, headers=request_page.stay_at(context["url"]), **context
        )
    return redirect_to(request, request_page.page_url(rma) + "#messages")


async def _case_form(
    request: Request[Any, Any, Any],
    rma: str,
    kind: SideCaseKind,
    *,
    body: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response[Any]:
    _request_id, version = await request_page.own_request(request, rma)
    url = request_page.page_url(rma)
    return render(
        request,
        "merchant/request/side_case_new.html",
        status_code=status_code,
        headers=request_page.stay_at(f"{url}/cases/new?kind={kind.value}"),
        rma=request_page.page_url(rma).rsplit("/", 1)[-1],
        url=request_page.page_url(rma),
        kind=kind.value,
        title=SIDE_CASE_LABELS[kind],
        version=version,
        body=body,
        problem=problem,
    )


@get("/returns/{rma:str}/cases/new", name="side_case_form", guards=[merchant_required])
async def new_side_case(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Report a logistics problem or contest the shipping fee: offered only when domain/ says so."""
    request_id, _version = await request_page.own_request(request, rma)
    kind = _kind(request.query_params.get("kind"))
    snapshot = await load_snapshot(request_id)
    actor = request_page.merchant_actor(request.state.merchant)
    existing = [case.record for case in await side_cases(request_id)]
    if kind not in side_cases_offered(snapshot, actor, existing):
        return redirect_to(request, request_page.page_url(rma))
    return await _case_form(request, rma, kind)


@post(
    "/returns/{rma:str}/cases",
    name="side_case_open",
    guards=[merchant_required],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def create_side_case(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, _version = await request_page.own_request(request, rma)
    form = await request.form()
    kind = _kind(form.get("kind"))
    body = str(form.get("body") or "")
    expected = request_page.form_version(form)
    if expected is None:
        return request_page.conflict_page(request, rma)
    uploads, problem = await read_uploads(form)
    if problem:
        return await _case_form(request, rma, kind, body=body, problem=problem, status_code=422)
    merchant = request.state.merchant
    actor = request_page.merchant_actor(merchant)
    try:
        opened = await open_side_case(
            request_id,
            kind,
            actor,
            merchant.name,
            body,
            datetime.now(UTC),
            expected_version=expected,
        )
    except Conflict:
        return request_page.conflict_page(request, rma)
    if isinstance(opened, Refusal):
        return await _case_form(
            request, rma, kind, body=body, problem=render_text(opened.message), status_code=422
        )
    case_id, message_id = opened
    late = await store_all(request, uploads, request_id, actor.id, message_id=message_id)
    if late:
        return await _case_page(request, rma, case_id, notice=late)
    return redirect_to(request, f"{request_page.page_url(rma)}/cases/{case_id}")


async def _case_page(
    request: Request[Any, Any, Any],
    rma: str,
    case_id: int,
    *,
    body: str = "",
    problem: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Response[Any]:
    request_id, _version = await request_page.own_request(request, rma)
    case = await side_case(request_id, case_id)
    if case is None:
        raise NotFound(case_id)
    return render(
        request,
        CASE_TEMPLATE,
        status_code=status_code,
        headers=request_page.stay_at(f"{request_page.page_url(rma)}/cases/{case_id}"),
        rma=request_page.page_url(rma).rsplit("/", 1)[-1],
        url=request_page.page_url(rma),
        case=case,
        title=SIDE_CASE_LABELS[case.kind],
        status_label=SIDE_CASE_STATUS_LABELS[case.status],
        who=request_page.who,
        body=body,
        problem=problem,
        notice=notice,
    )


@get("/returns/{rma:str}/cases/{case_id:int}", name="side_case", guards=[merchant_required])
async def show_side_case(
    request: Request[Any, Any, Any], rma: FromPath[str], case_id: FromPath[int]
) -> Response[Any]:
    return await _case_page(request, rma, case_id)


@post(
    "/returns/{rma:str}/cases/{case_id:int}/messages",
    name="side_case_message",
    guards=[merchant_required],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def reply_side_case(
    request: Request[Any, Any, Any], rma: FromPath[str], case_id: FromPath[int]
) -> Response[Any]:
    request_id, _version = await request_page.own_request(request, rma)
    form = await request.form()
    body = str(form.get("body") or "")
    uploads, problem = await read_uploads(form)
    merchant = request.state.merchant
    actor = request_page.merchant_actor(merchant)
    result: int | Refusal | None = None
    if not problem:
        result = await post_message(
            request_id,
            actor,
            merchant.name,
            body,
            datetime.now(UTC),
            side_case_id=case_id,
            attachments=len(uploads),
        )
        if isinstance(result, Refusal):
            problem = render_text(result.message)
    if problem or not isinstance(result, int):
        return await _case_page(request, rma, case_id, body=body, problem=problem, status_code=422)
    late = await store_all(request, uploads, request_id, actor.id, message_id=result)
    if late:
        return await _case_page(request, rma, case_id, notice=late)
    return redirect_to(request, f"{request_page.page_url(rma)}/cases/{case_id}")


ROUTES: list[Any] = [
    send_message,
    new_side_case,
    create_side_case,
    show_side_case,
    reply_side_case,
]
