"""The merchant's request page: where it stands, what comes next, its timeline, and every action
the state allows (cancel, answer, ship, appeal, accept), each a plain form posting the version it
saw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.errors import Conflict, NotFound
from db.request_views import request_fingerprint, request_page_fingerprint
from db.returns import apply_action
from db.snapshots import load_snapshot
from domain.lifecycle import Action, Command, Refusal, allowed_actions
from domain.rma import normalise_rma
from web.auth import (
    current_merchant,
    merchant_actor,
    merchant_required,
    merchant_session_required,
    session_merchant_id,
    signed_in_merchant,
)
from web.i18n import render_text
from web.merchant import conversation, picker, track
from web.merchant.request_view import (
    TEMPLATE,
    conflict_page,
    fingerprint,
    own_request,
    page_context,
    page_url,
    request_seen,
    stay_at,
)
from web.navigation import redirect_to
from web.page_cache import render_versioned
from web.params import form_number
from web.rendering import render
from web.uploads import FORM_BODY_LIMIT, UPLOAD_BODY_LIMIT, stage_form_files

GUARDS = [merchant_required]


@get("/returns/{rma:str}", name="request_page", guards=GUARDS)
async def request_page(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    canonical = normalise_rma(rma[:40])
    found = (
        await request_page_fingerprint(canonical, current_merchant(request).id)
        if canonical
        else None
    )
    if found is None:
        raise NotFound(rma)  # anyone else's request, an unknown or a malformed RMA: the same 404
    (request_id, version, last_message, last_document), unread_here = found
    if unread_here:  # a write only when this request has notifications to mark read
        await request_seen(request, request_id)
    return await render_versioned(
        request,
        TEMPLATE,
        # the RMA, never given twice, keeps a reused id from showing another request's page
        ("request", canonical, request_id, version, last_message, last_document),
        lambda: page_context(request, request_id),
    )


@get("/returns/{rma:str}/status", name="request_status", guards=[merchant_session_required])
async def request_status(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """The poller's fragment: 204 while nothing changed — one query, no more — else the
    changed parts out of band, the bell's count among them."""
    canonical = normalise_rma(rma[:40])
    merchant_id = await session_merchant_id(request)
    found = await request_fingerprint(canonical, merchant_id) if canonical and merchant_id else None
    if found is None:
        raise NotFound(rma)  # the same 404 as the page
    request_id, version, last_message, _document = found  # the documents poll on their own
    if request.headers.get("hx-request") != "true":
        return redirect_to(request, page_url(rma))  # without script the page itself is current
    seen = request.query_params.get("v", "")[:40]
    current = fingerprint(version, last_message)
    headers = {"Cache-Control": "no-store"}
    if seen == current:
        return Response(content="", status_code=204, headers=headers)
    seen_version, _sep, seen_message = seen.partition(".")
    await signed_in_merchant(request)  # the bell's count, for the merchant's whole header
    await request_seen(request, request_id)  # the change is on the page they are looking at
    context = await page_context(request, request_id)
    context["state_changed"] = seen_version != str(version)
    context["thread_changed"] = seen_message != str(last_message)
    return render(request, TEMPLATE, block="update", headers=headers, **context)


async def rerender(
    request: Request[Any, Any, Any],
    request_id: int,
    form: str,
    message: str,
    values: dict[str, str],
    status_code: int = 422,
) -> Response[Any]:
    context = await page_context(
        request, request_id, problem={"form": form, "message": message}, values=values
    )
    return render(
        request, TEMPLATE, status_code=status_code, headers=stay_at(context["url"]), **context
    )


async def act(
    request: Request[Any, Any, Any],
    rma: str,
    command: Command,
    form_name: str,
    values: dict[str, str],
    staged: Sequence[int] = (),
) -> Response[Any]:
    """Apply one action with the version the form was loaded at, then PRG back to the page."""
    request_id, _version = await own_request(request, rma)
    form = await request.form()
    expected = form_number(form.get("version"), field="version")
    merchant = current_merchant(request)
    try:
        result = await apply_action(
            request_id,
            command,
            merchant_actor(merchant),
            datetime.now(UTC),
            expected_version=expected,
            actor_name=merchant.name,
            staged_files=staged,
        )
    except Conflict:
        return conflict_page(request, rma)
    if isinstance(result, Refusal):
        return await rerender(request, request_id, form_name, render_text(result.message), values)
    return redirect_to(request, page_url(rma))


async def _with_files(
    request: Request[Any, Any, Any],
    rma: str,
    action: Action,
    field: str,
    form_name: str,
) -> Response[Any]:
    request_id, _version = await own_request(request, rma)  # nobody else's files are read
    form = await request.form()
    text = str(form.get(field) or "")
    staged = await stage_form_files(
        request, form, request_id, merchant_actor(current_merchant(request)).id
    )
    if staged.problem:
        return await rerender(request, request_id, form_name, staged.problem, {field: text})
    command = Command(action, message=text)
    return await act(request, rma, command, form_name, {field: text}, staged.ids)


@post(
    "/returns/{rma:str}/answer",
    name="request_answer",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def answer(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Answer a request for information (text and/or new evidence) and send it back for review."""
    return await _with_files(request, rma, Action.RESUBMIT, "answer", "answer")


@post(
    "/returns/{rma:str}/appeal",
    name="request_appeal",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def appeal(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    return await _with_files(request, rma, Action.APPEAL, "statement", "appeal")


@post(
    "/returns/{rma:str}/accept",
    name="request_accept",
    guards=GUARDS,
    request_max_body_size=FORM_BODY_LIMIT,
)
async def accept(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Accept a failed inspection instead of appealing it: the goods may then be sent back."""
    return await act(request, rma, Command(Action.ACCEPT), "accept", {})


@post(
    "/returns/{rma:str}/ship",
    name="request_ship",
    guards=GUARDS,
    request_max_body_size=FORM_BODY_LIMIT,
)
async def ship(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    form = await request.form()
    values = {
        "carrier": str(form.get("carrier") or ""),
        "tracking_number": str(form.get("tracking_number") or ""),
    }
    command = Command(
        Action.SHIP, carrier=values["carrier"], tracking_number=values["tracking_number"]
    )
    return await act(request, rma, command, "ship", values)


@get("/returns/{rma:str}/cancel", name="request_cancel_confirm", guards=GUARDS)
async def cancel_confirm(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Destructive, so it asks once, in plain words, on a page of its own (works with no script)."""
    request_id, version = await own_request(request, rma)
    snapshot = await load_snapshot(request_id)
    actor = merchant_actor(current_merchant(request))
    canonical = normalise_rma(rma) or rma
    if Action.CANCEL not in allowed_actions(snapshot, actor, datetime.now(UTC)):
        return redirect_to(request, page_url(canonical))
    return render(
        request,
        "merchant/request/cancel.html",
        rma=canonical,
        url=page_url(canonical),
        version=version,
    )


@post(
    "/returns/{rma:str}/cancel",
    name="request_cancel",
    guards=GUARDS,
    request_max_body_size=FORM_BODY_LIMIT,
)
async def cancel(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    return await act(request, rma, Command(Action.CANCEL), "cancel", {})


ROUTES: list[Any] = [
    request_page,
    request_status,
    answer,
    appeal,
    accept,
    ship,
    cancel_confirm,
    cancel,
    *conversation.ROUTES,
    *picker.ROUTES,
    *track.ROUTES,
]
