"""The merchant's request page: where it stands, what comes next, its timeline, and every action
the state allows (cancel, answer, ship, appeal), each a plain form posting the version it saw."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.returns import Conflict, apply_action, load_snapshot
from db.timeline import last_message_id
from domain.lifecycle import Action, Command, Refusal, allowed_actions
from domain.rma import normalise_rma
from web import conversation_pages, track
from web.i18n import render_text
from web.merchant_signin import merchant_required
from web.navigation import redirect_to
from web.rendering import render
from web.request_view import (
    TEMPLATE,
    conflict_page,
    fingerprint,
    form_version,
    merchant_actor,
    own_request,
    page_context,
    page_url,
    stay_at,
)
from web.uploads import UPLOAD_BODY_LIMIT, Upload, read_uploads, store_all


@get("/returns/{rma:str}", name="request_page", guards=[merchant_required])
async def request_page(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    request_id, _version = await own_request(request, rma)
    return render(request, TEMPLATE, **await page_context(request, request_id))


@get("/returns/{rma:str}/status", name="request_status", guards=[merchant_required])
async def request_status(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """The poller's fragment: 204 while nothing changed, else the changed parts (out of band)."""
    request_id, version = await own_request(request, rma)
    if request.headers.get("hx-request") != "true":
        return redirect_to(request, page_url(rma))  # without script the page itself is current
    seen = request.query_params.get("v", "")
    current = fingerprint(version, await last_message_id(request_id))
    headers = {"Cache-Control": "no-store"}
    if seen == current:
        return Response(content="", status_code=204, headers=headers)
    seen_version, _sep, seen_message = seen.partition(".")
    context = await page_context(request, request_id)
    context["state_changed"] = seen_version != str(version)
    context["thread_changed"] = seen_message != current.partition(".")[2]
    return render(request, TEMPLATE, block="update", headers=headers, **context)


async def _rerender(
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


async def _act(
    request: Request[Any, Any, Any],
    rma: str,
    command: Command,
    form_name: str,
    values: dict[str, str],
    uploads: list[Upload] | None = None,
) -> Response[Any]:
    """Apply one action with the version the form was loaded at, then PRG back to the page."""
    request_id, _version = await own_request(request, rma)
    form = await request.form()
    expected = form_version(form)
    if expected is None:
        return conflict_page(request, rma)
    merchant = request.state.merchant
    actor = merchant_actor(merchant)
    try:
        result = await apply_action(
            request_id,
            command,
            actor,
            datetime.now(UTC),
            expected_version=expected,
            actor_name=merchant.name,
        )
    except Conflict:
        return conflict_page(request, rma)
    if isinstance(result, Refusal):
        return await _rerender(request, request_id, form_name, render_text(result.message), values)
    late = await store_all(request, uploads or [], request_id, actor.id, event_id=result.event_id)
    if late:
        # the action stands; say plainly which files did not make it, rather than drop them
        context = await page_context(request, request_id, notice=late)
        return render(request, TEMPLATE, headers=stay_at(context["url"]), **context)
    return redirect_to(request, page_url(rma))


async def _with_files(
    request: Request[Any, Any, Any], rma: str, action: Action, field: str, form_name: str
) -> Response[Any]:
    request_id, _version = await own_request(request, rma)  # nobody else's files are read
    form = await request.form()
    text = str(form.get(field) or "")
    uploads, problem = await read_uploads(form)
    if problem:
        return await _rerender(request, request_id, form_name, problem, {field: text})
    command = Command(action, message=text, added_evidence=len(uploads))
    return await _act(request, rma, command, form_name, {field: text}, uploads)


@post(
    "/returns/{rma:str}/answer",
    name="request_answer",
    guards=[merchant_required],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def answer(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Answer a request for information (text and/or new evidence) and send it back for review."""
    return await _with_files(request, rma, Action.RESUBMIT, "answer", "answer")


@post(
    "/returns/{rma:str}/appeal",
    name="request_appeal",
    guards=[merchant_required],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def appeal(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    return await _with_files(request, rma, Action.APPEAL, "statement", "appeal")


@post("/returns/{rma:str}/ship", name="request_ship", guards=[merchant_required])
async def ship(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    form = await request.form()
    values = {
        "carrier": str(form.get("carrier") or ""),
        "tracking_number": str(form.get("tracking_number") or ""),
    }
    command = Command(
        Action.SHIP, carrier=values["carrier"], tracking_number=values["tracking_number"]
    )
    return await _act(request, rma, command, "ship", values)


@get("/returns/{rma:str}/cancel", name="request_cancel_confirm", guards=[merchant_required])
async def cancel_confirm(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Destructive, so it asks once, in plain words, on a page of its own (works with no script)."""
    request_id, version = await own_request(request, rma)
    snapshot = await load_snapshot(request_id)
    actor = merchant_actor(request.state.merchant)
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


@post("/returns/{rma:str}/cancel", name="request_cancel", guards=[merchant_required])
async def cancel(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    return await _act(request, rma, Command(Action.CANCEL), "cancel", {})


ROUTES: list[Any] = [
    request_page,
    request_status,
    answer,
    appeal,
    ship,
    cancel_confirm,
    cancel,
    *conversation_pages.ROUTES,
    *track.ROUTES,
]
