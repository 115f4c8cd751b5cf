"""Talking about a request: the message thread with customer service, and the side cases
(logistics problem, shipping-fee dispute), each with a thread of its own. Append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.conversations import open_side_case, post_message
from db.errors import Conflict, NotFound
from db.request_views import request_page
from db.snapshots import load_snapshot
from domain.lifecycle import Refusal
from domain.side_cases import (
    SIDE_CASE_LABELS,
    SIDE_CASE_STATUS_LABELS,
    SideCaseKind,
    side_cases_offered,
)
from web.auth import current_merchant, merchant_actor, merchant_required
from web.i18n import render_text
from web.merchant import request_view as view
from web.navigation import redirect_to
from web.params import form_number, row_id
from web.rendering import render
from web.uploads import UPLOAD_BODY_LIMIT, stage_form_files

CASE_TEMPLATE = "merchant/request/side_case.html"
GUARDS = [merchant_required]


def _kind(raw: object) -> SideCaseKind:
    try:
        return SideCaseKind(str(raw))
    except ValueError:
        raise NotFound(raw) from None


@post(
    "/returns/{rma:str}/messages",
    name="request_message",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def send_message(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """A message to customer service on the request; it changes nothing else on it."""
    request_id, _version = await view.own_request(request, rma)
    form = await request.form()
    body = str(form.get("body") or "")
    merchant = current_merchant(request)
    actor = merchant_actor(merchant)
    staged = await stage_form_files(request, form, request_id, actor.id)
    problem = staged.problem
    if not problem:
        result = await post_message(
            request_id, actor, merchant.name, body, datetime.now(UTC), staged_files=staged.ids
        )
        if not isinstance(result, Refusal):
            return redirect_to(request, view.page_url(rma) + "#messages")
        problem = render_text(result.message)
    context = await view.page_context(
        request, request_id, problem={"form": "message", "message": problem}, values={"body": body}
    )
    return render(
        request, view.TEMPLATE, status_code=422, headers=view.stay_at(context["url"]), **context
    )


async def _case_form(
    request: Request[Any, Any, Any],
    rma: str,
    kind: SideCaseKind,
    *,
    body: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response[Any]:
    _request_id, version = await view.own_request(request, rma)
    url = view.page_url(rma)
    return render(
        request,
        "merchant/request/side_case_new.html",
        status_code=status_code,
        headers=view.stay_at(f"{url}/cases/new?kind={kind.value}"),
        rma=url.rsplit("/", 1)[-1],
        url=url,
        kind=kind.value,
        title=SIDE_CASE_LABELS[kind],
        version=version,
        body=body,
        problem=problem,
    )


@get("/returns/{rma:str}/cases/new", name="side_case_form", guards=GUARDS)
async def new_side_case(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Report a logistics problem or contest the shipping fee: offered only when domain/ says so."""
    request_id, _version = await view.own_request(request, rma)
    kind = _kind(request.query_params.get("kind"))
    snapshot = await load_snapshot(request_id)
    actor = merchant_actor(current_merchant(request))
    existing = [case.record for case in (await request_page(request_id)).side_cases]
    if kind not in side_cases_offered(snapshot, actor, existing):
        return redirect_to(request, view.page_url(rma))
    return await _case_form(request, rma, kind)


@post(
    "/returns/{rma:str}/cases",
    name="side_case_open",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def create_side_case(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, _version = await view.own_request(request, rma)
    form = await request.form()
    kind = _kind(form.get("kind"))
    body = str(form.get("body") or "")
    expected = form_number(form.get("version"), field="version")
    merchant = current_merchant(request)
    actor = merchant_actor(merchant)
    staged = await stage_form_files(request, form, request_id, actor.id)
    if staged.problem:
        return await _case_form(
            request, rma, kind, body=body, problem=staged.problem, status_code=422
        )
    try:
        opened = await open_side_case(
            request_id,
            kind,
            actor,
            merchant.name,
            body,
            datetime.now(UTC),
            expected_version=expected,
            staged_files=staged.ids,
        )
    except Conflict:
        return view.conflict_page(request, rma)
    if isinstance(opened, Refusal):
        return await _case_form(
            request, rma, kind, body=body, problem=render_text(opened.message), status_code=422
        )
    case_id, _message_id = opened
    return redirect_to(request, f"{view.page_url(rma)}/cases/{case_id}")


async def _case_page(
    request: Request[Any, Any, Any],
    rma: str,
    case_id: int,
    *,
    body: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response[Any]:
    request_id, _version = await view.own_request(request, rma)
    case = next((c for c in (await request_page(request_id)).side_cases if c.id == case_id), None)
    if case is None:
        raise NotFound(case_id)
    url = view.page_url(rma)
    return render(
        request,
        CASE_TEMPLATE,
        status_code=status_code,
        headers=view.stay_at(f"{url}/cases/{case_id}"),
        rma=url.rsplit("/", 1)[-1],
        url=url,
        case=case,
        title=SIDE_CASE_LABELS[case.kind],
        status_label=SIDE_CASE_STATUS_LABELS[case.status],
        who=view.who,
        body=body,
        problem=problem,
    )


@get("/returns/{rma:str}/cases/{case_id:str}", name="side_case", guards=GUARDS)
async def show_side_case(
    request: Request[Any, Any, Any], rma: FromPath[str], case_id: FromPath[str]
) -> Response[Any]:
    return await _case_page(request, rma, row_id(case_id))


@post(
    "/returns/{rma:str}/cases/{case_id:str}/messages",
    name="side_case_message",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def reply_side_case(
    request: Request[Any, Any, Any], rma: FromPath[str], case_id: FromPath[str]
) -> Response[Any]:
    request_id, _version = await view.own_request(request, rma)
    case = row_id(case_id)
    form = await request.form()
    body = str(form.get("body") or "")
    merchant = current_merchant(request)
    actor = merchant_actor(merchant)
    staged = await stage_form_files(request, form, request_id, actor.id)
    problem = staged.problem
    if not problem:
        result = await post_message(
            request_id,
            actor,
            merchant.name,
            body,
            datetime.now(UTC),
            side_case_id=case,
            staged_files=staged.ids,
        )
        if not isinstance(result, Refusal):
            return redirect_to(request, f"{view.page_url(rma)}/cases/{case}")
        problem = render_text(result.message)
    return await _case_page(request, rma, case, body=body, problem=problem, status_code=422)


ROUTES: list[Any] = [
    send_message,
    new_side_case,
    create_side_case,
    show_side_case,
    reply_side_case,
]
