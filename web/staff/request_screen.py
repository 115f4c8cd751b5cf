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
from db.request_views import RequestPage, request_id_of, request_page
from db.returns import apply_action
from db.staff_queue import QueueFilter, queue_page
from domain.guards import not_theirs
from domain.inspection import CHECKLIST
from domain.labels import (
    ACTION_LABELS,
    EVENT_LABELS,
    FEE_PAYER_LABELS,
    REASON_LABELS,
    RECEIPT_LABELS,
    RESOLUTION_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    STATE_TONE,
)
from domain.lifecycle import Action, FeePayer, Refusal, Role, allowed_actions
from domain.limits import MAX_MESSAGE, MAX_SHORT
from domain.policy import fee_payer_for
from domain.rma import normalise_rma
from domain.staff import QUEUE_STATES, REJECTION_REASONS
from domain.terms import ItemReceipt
from domain.text import Text
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import form_number
from web.rendering import render
from web.staff.decisions import READERS, STAFF_ACTIONS, action_of, kept_values
from web.staff.navigation import staff_nav
from web.uploads import UPLOAD_BODY_LIMIT, stage_form_files

GUARDS = [staff_required()]
TEMPLATE = "staff/request.html"


def screen_url(rma: str) -> str:
    return f"/staff/requests/{rma}"


async def _found(request: Request[Any, Any, Any], rma: str) -> tuple[RequestPage, str]:
    """The request behind this RMA if the signed-in staff member may see it; else the same 404
    as for an unknown RMA (counter staff see their own outlet's requests only)."""
    canonical = normalise_rma(rma[:40])
    found = await request_id_of(canonical) if canonical else None
    if found is None:
        raise NotFound(rma)
    page = await request_page(found[0], include_internal=True)
    if not_theirs(page.snapshot, current_staff(request).actor) is not None:
        raise NotFound(rma)
    merchant = await merchant_by_id(page.snapshot.merchant_id)
    return page, merchant.name if merchant else ""


def _who(role: Role, name: str) -> str:
    return name or _(ROLE_LABELS.get(role, "ReturnDesk"))


def _context(request: Request[Any, Any, Any], page: RequestPage, merchant: str) -> dict[str, Any]:
    staff = current_staff(request)
    snapshot = page.snapshot
    offered = [
        a for a in allowed_actions(snapshot, staff.actor, datetime.now(UTC)) if a in STAFF_ACTIONS
    ]
    return {
        "nav": staff_nav(staff, "queue"),
        "page": page,
        "merchant_name": merchant,
        "details": page.details,
        "snapshot": snapshot,
        "url": screen_url(page.details.rma),
        "offered": offered,
        "policy_fee_payer": fee_payer_for(snapshot.policy, snapshot.reason),
        "fee_payers": [(p.value, _(FEE_PAYER_LABELS[p])) for p in FeePayer],
        "rejection_reasons": [(code, _(words)) for code, words in REJECTION_REASONS.items()],
        "checklist": [(code, _(words)) for code, words in CHECKLIST.items()],
        "receipt_choices": [(found.value, _(RECEIPT_LABELS[found])) for found in ItemReceipt],
        "action_labels": ACTION_LABELS,
        "event_labels": EVENT_LABELS,
        "state_labels": STATE_LABELS,
        "state_tones": STATE_TONE,
        "reason_labels": REASON_LABELS,
        "resolution_labels": RESOLUTION_LABELS,
        "who": _who,
        "findings": [
            (f.get("points", 0), render_text(Text(str(f.get("msgid", "")), f.get("params") or {})))
            for f in page.details.risk_findings
        ],
        "now": datetime.now(UTC),
        "max_message": MAX_MESSAGE,
        "max_short": MAX_SHORT,
        "problem": None,
        "values": {},
        "conflict": False,
    }


@get("/staff/requests/{rma:str}", name="staff_request", guards=GUARDS)
async def screen(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, merchant = await _found(request, rma)
    return render(request, TEMPLATE, **_context(request, page, merchant))


async def _next_in_queue(request: Request[Any, Any, Any], done: int) -> str:
    staff = current_staff(request)
    rows = await queue_page(
        QueueFilter(QUEUE_STATES.get(staff.role, ()), staff.queue_outlet), limit=2
    )
    following = next((row for row in rows if row.id != done), None)
    return screen_url(following.rma) if following else "/staff/queue"


@post(
    "/staff/requests/{rma:str}/decide",
    name="staff_decide",
    guards=GUARDS,
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def decide(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, merchant = await _found(request, rma)
    form = await request.form()
    action = action_of(form)
    expected = form_number(form.get("version"), field="version")
    staff = current_staff(request)
    if action is None:
        return _again(request, page, merchant, form, _("Choose one of the decisions offered."), 422)
    staged = await stage_form_files(request, form, page.details.id, staff.actor.id)
    if staged.problem:
        return _again(request, page, merchant, form, staged.problem, 422, action)
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
        fresh = await request_page(page.details.id, include_internal=True)
        words = _(
            "Someone else changed this request while you were looking at it. Nothing was saved: here it is as it is now."
        )
        return _again(request, fresh, merchant, form, words, 409, conflict=True)
    if isinstance(result, Refusal):
        return _again(request, page, merchant, form, render_text(result.message), 422, action)
    if form.get("then") == "next":
        return redirect_to(request, await _next_in_queue(request, page.details.id))
    return redirect_to(request, screen_url(page.details.rma))


def _again(request: Request[Any, Any, Any], page: RequestPage, merchant: str, form: Any, words: str,
           status_code: int, action: Action | None = None, *, conflict: bool = False) -> Response[Any]:  # fmt: skip
    context = _context(request, page, merchant)
    context.update(
        problem={"action": action.value if action else "", "message": words},
        values={} if conflict else kept_values(form),
        conflict=conflict,
    )
    return render(request, TEMPLATE, status_code=status_code, **context)


ROUTES: list[Any] = [screen, decide]
