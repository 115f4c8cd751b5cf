"""The request screen at /staff/requests/{rma}: everything needed to decide on one screen, and
the decisions domain/ allows this role now — nothing more is offered, and nothing more is
accepted, since the post asks domain/ again.

A decision carries the version the screen was loaded at: if someone else changed the request
meanwhile, it is refused with the fresh screen and words saying so. After a decision the
reviewer may go straight to the next request in their queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.errors import Conflict, NotFound
from db.merchants import merchant_by_id
from db.partners import client_name
from db.request_views import RequestPage, request_id_of, request_page
from db.returns import apply_action
from db.staff import StaffAccount
from db.staff_queue import QueueFilter, queue_page
from domain.approvals import AUTO_APPROVED, REASON_CODE_LABELS
from domain.file_access import Audience
from domain.guards import not_theirs
from domain.inspection import CHECKLIST
from domain.labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    EVENT_LABELS,
    FEE_PAYER_LABELS,
    REASON_LABELS,
    RECEIPT_LABELS,
    REFUND_METHOD_LABELS,
    RESOLUTION_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    STATE_TONE,
)
from domain.lifecycle import Action, FeePayer, Refusal, Role, allowed_actions
from domain.limits import MAX_MESSAGE, MAX_SHORT
from domain.policy import fee_payer_for
from domain.rma import normalise_rma
from domain.side_cases import SIDE_CASE_LABELS, SIDE_CASE_STATUS_LABELS
from domain.staff import QUEUE_STATES, REJECTION_REASONS
from domain.terms import ItemReceipt
from domain.text import N_, Text
from web.auth import current_staff, staff_required
from web.documents import documents_view
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import form_number
from web.rendering import render
from web.staff import claims
from web.staff.claims import Claim
from web.staff.decisions import READERS, STAFF_ACTIONS, action_of, kept_values
from web.staff.navigation import staff_nav
from web.staff.photo_reuse import reused_photos_seen_by
from web.uploads import UPLOAD_BODY_LIMIT, stage_form_files

GUARDS = [staff_required()]
DOCK_TEMPLATE = "staff/dock.html"
# what the receiving dock does, in the order a parcel meets them
DOCK_ACTIONS = (Action.RECEIVE, Action.INSPECT_PASS, Action.INSPECT_FAIL, Action.SHIP_REPLACEMENT,
                Action.RETURN_TO_MERCHANT)  # fmt: skip
TEMPLATE = "staff/request.html"
CHANGED_MEANWHILE = N_(
    "Someone else changed this request while you were looking at it. Nothing was saved: here "
    "it is as it is now."
)


def screen_url(rma: str) -> str:
    return f"/staff/requests/{rma}"


async def found_request(request: Request[Any, Any, Any], rma: str) -> tuple[RequestPage, str]:
    """The request behind this RMA if the signed-in staff member may see it; else the same 404
    as for an unknown RMA (counter staff see their own outlet's requests only)."""
    canonical = normalise_rma(rma[:40])
    found = await request_id_of(canonical) if canonical else None
    if found is None:
        raise NotFound(rma)
    page = await request_page(found[0], Audience.STAFF)
    if not_theirs(page.snapshot, current_staff(request).actor) is not None:
        raise NotFound(rma)
    merchant = await merchant_by_id(page.snapshot.merchant_id)
    return page, merchant.name if merchant else ""


def _who(role: Role, name: str) -> str:
    return name or _(ROLE_LABELS.get(role, "ReturnDesk"))


# what the screen's forms show before anyone sent one (a refused form fills them in)
_UNTOUCHED_FORMS: dict[str, Any] = {
    "problem": None, "values": {}, "conflict": False, "revealed": None, "message_problem": "",
    "message_body": "", "message_note": False, "case_problem": None, "case_outcome": "",
}  # fmt: skip


def _offered(page: RequestPage, staff: StaffAccount) -> list[Action]:
    """The decisions domain/ allows this staff member now, the usual one first."""
    allowed = set(allowed_actions(page.snapshot, staff.actor, datetime.now(UTC)))
    return [action for action in STAFF_ACTIONS if action in allowed]


def _context(
    request: Request[Any, Any, Any], page: RequestPage, merchant: str, claim: Claim | None
) -> dict[str, Any]:
    staff = current_staff(request)
    snapshot = page.snapshot
    offered = _offered(page, staff)
    method = REFUND_METHOD_LABELS.get(page.details.refund_method)
    return {
        "nav": staff_nav(staff, "queue"),
        "page": page,
        "merchant_name": merchant,
        "claim": claim,
        "claimed_by_other": claim is not None and not claim.mine(staff),
        "details": page.details,
        "snapshot": snapshot,
        "url": screen_url(page.details.rma),
        "offered": offered,
        "policy_fee_payer": fee_payer_for(snapshot.policy, snapshot.reason),
        "fee_payers": [(p.value, _(FEE_PAYER_LABELS[p])) for p in FeePayer],
        "rejection_reasons": [(code, _(words)) for code, words in REJECTION_REASONS.items()],
        "reason_code_labels": {code: _(words) for code, words in REASON_CODE_LABELS.items()},
        "auto_approved": AUTO_APPROVED,
        "checklist": [(code, _(words)) for code, words in CHECKLIST.items()],
        "receipt_choices": [(found.value, _(RECEIPT_LABELS[found])) for found in ItemReceipt],
        "action_labels": ACTION_LABELS,
        "event_labels": EVENT_LABELS,
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONE,
        "reason_labels": REASON_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "resolution_labels": RESOLUTION_LABELS,
        "who": _who,
        "findings": [
            (f.get("points", 0), render_text(Text(str(f.get("msgid", "")), f.get("params") or {})))
            for f in page.details.risk_findings
        ],
        "now": datetime.now(UTC),
        "max_message": MAX_MESSAGE,
        "max_short": MAX_SHORT,
        "case_labels": SIDE_CASE_LABELS,
        "case_status_labels": SIDE_CASE_STATUS_LABELS,
        "may_decide_fee": staff.role is Role.SUPERVISOR,
        "refund_method": _(method) if method else "",
        "is_finance": staff.role is Role.FINANCE,
        **_UNTOUCHED_FORMS,
    }


async def screen_context(
    request: Request[Any, Any, Any], page: RequestPage, merchant: str
) -> dict[str, Any]:
    claim = await claims.holder(request.app.state.redis, page.details.id)
    return await _full_context(request, page, merchant, claim)


async def _full_context(request: Request[Any, Any, Any], page: RequestPage, merchant: str,
                        claim: Claim | None) -> dict[str, Any]:  # fmt: skip
    """The screen's context with its documents: the screen and a refused decision alike."""
    context = _context(request, page, merchant, claim)
    context["client_name"] = await client_name(page.snapshot.partner_client)
    staff = current_staff(request)
    context["reused"] = await reused_photos_seen_by(
        page.details.id, page.snapshot.merchant_id, staff.actor
    )
    supervisor = staff.role is Role.SUPERVISOR
    context.update(await documents_view(page.details.id, page.snapshot, context["url"],
                                        rma=page.details.rma, may_ask_case_file=supervisor))  # fmt: skip
    return context


@get("/staff/requests/{rma:str}", name="staff_request", guards=GUARDS)
async def screen(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, merchant = await found_request(request, rma)
    return render(request, TEMPLATE, **await screen_context(request, page, merchant))


async def _next_in_queue(request: Request[Any, Any, Any], done: int) -> str:
    """The most urgent request nobody else works on, claimed for whoever asks."""
    staff = current_staff(request)
    redis = request.app.state.redis
    wanted = QueueFilter(QUEUE_STATES.get(staff.role, ()), staff.queue_outlet)
    rows = [row for row in await queue_page(wanted, limit=20) if row.id != done]
    held = await claims.holders(redis, [row.id for row in rows])
    for row in rows:
        if row.id not in held and (await claims.take(redis, row.id, staff)).mine(staff):
            return screen_url(row.rma)
    return "/staff/queue"


@post(
    "/staff/requests/{rma:str}/decide",
    name="staff_decide",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def decide(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, merchant = await found_request(request, rma)
    form = await request.form()
    action = action_of(form)
    expected = form_number(form.get("version"), field="version")
    staff = current_staff(request)
    redis = request.app.state.redis
    if action is None:
        return await _again(
            request, page, merchant, form, _("Choose one of the decisions offered."), 422
        )
    # only someone who may take this decision now holds the request by trying it
    claim = await claims.holder(redis, page.details.id)
    if action in _offered(page, staff):
        claim = await claims.take(redis, page.details.id, staff)
    if claim is not None and not claim.mine(staff):
        words = _("%(name)s is working on this request. Nothing was saved.") % {"name": claim.name}
        return await _again(request, page, merchant, form, words, 409, action, claim=claim)
    staged = await stage_form_files(request, form, page.details.id, staff.actor.id)
    if staged.problem:
        return await _again(request, page, merchant, form, staged.problem, 422, action, claim=claim)
    try:
        result = await apply_action(
            page.details.id,
            READERS[action](form),
            staff.actor,
            datetime.now(UTC),
            expected_version=expected,
            actor_name=staff.display_name,
            staged_files=staged.ids,
        )
    except Conflict:
        fresh = await request_page(page.details.id, Audience.STAFF)
        return await _again(
            request, fresh, merchant, form, _(CHANGED_MEANWHILE), 409, conflict=True
        )
    if isinstance(result, Refusal):
        words = render_text(result.message)
        return await _again(request, page, merchant, form, words, 422, action, claim=claim)
    await claims.release(redis, page.details.id, staff)  # decided: the request moves on
    if form.get("then") == "next":
        return redirect_to(request, await _next_in_queue(request, page.details.id))
    if form.get("screen") == "dock":  # the dock's next step, one per screen
        return redirect_to(request, f"/staff/receive/{page.details.rma}")
    return redirect_to(request, screen_url(page.details.rma))


async def _again(request: Request[Any, Any, Any], page: RequestPage, merchant: str, form: Any,
                 words: str, status_code: int, action: Action | None = None, *,
                 conflict: bool = False, claim: Claim | None = None) -> Response[Any]:  # fmt: skip
    context = await _full_context(request, page, merchant, claim)
    context.update(
        problem={"action": action.value if action else "", "message": words},
        values={} if conflict else kept_values(form),
        conflict=conflict,
    )
    if form.get("screen") == "dock" and not conflict:
        context.update(dock_context(context, action))
        return render(request, DOCK_TEMPLATE, status_code=status_code, **context)
    return render(request, TEMPLATE, status_code=status_code, **context)


def dock_context(context: dict[str, Any], wanted: Action | None) -> dict[str, Any]:
    """The dock's one action (the one asked for, else the first of the dock's the role has
    now) and the others it may switch to."""
    offered = [action for action in DOCK_ACTIONS if action in context["offered"]]
    shown = wanted if wanted in offered else (offered[0] if offered else None)
    return {"dock_action": shown, "dock_others": [a for a in offered if a is not shown]}


@post("/staff/requests/{rma:str}/claim", name="staff_claim", guards=GUARDS)
async def claim_request(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """Take the request to work on (or renew the claim); if someone else has it, the screen
    says who."""
    page, _merchant = await found_request(request, rma)
    staff = current_staff(request)
    if _offered(page, staff):  # nothing to decide here: nothing to hold
        await claims.take(request.app.state.redis, page.details.id, staff)
    return redirect_to(request, screen_url(page.details.rma))


@post("/staff/requests/{rma:str}/release", name="staff_release", guards=GUARDS)
async def release_request(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, _merchant = await found_request(request, rma)
    await claims.release(request.app.state.redis, page.details.id, current_staff(request))
    return redirect_to(request, "/staff/queue")


ROUTES: list[Any] = [screen, decide, claim_request, release_request]
