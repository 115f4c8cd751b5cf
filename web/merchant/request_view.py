"""What the request page shows, computed once for the page, its live fragment and the pages
beside it: whose request it is, who did what, and which actions domain/ allows now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response

from db.errors import NotFound
from db.notifications import mark_request_seen
from db.request_views import (
    RequestDetails,
    RequestPage,
    TimelineEntry,
    merchant_request_id,
    request_page,
)
from domain.attribution import as_merchant_sees
from domain.labels import (
    EVENT_LABELS,
    FEE_PAYER_LABELS,
    MERCHANT_DEADLINES,
    REASON_LABELS,
    REFUND_METHOD_LABELS,
    RESOLUTION_LABELS,
    STATE_LABELS,
    STATE_TONE,
    next_step,
)
from domain.lifecycle import Action, Role, allowed_actions
from domain.limits import MAX_MESSAGE, MAX_SHORT
from domain.policy import fee_payer_for
from domain.return_form import fee_payer_notice
from domain.rma import normalise_rma
from domain.side_cases import SIDE_CASE_LABELS, SIDE_CASE_STATUS_LABELS, side_cases_offered
from web.auth import current_merchant, merchant_actor
from web.documents import documents_view
from web.i18n import current_locale, render_text
from web.i18n import gettext as _
from web.rendering import render

TEMPLATE = "merchant/request/page.html"
POLL_EVERY = "3s"  # a staff decision shows within 5 s, from whichever process made it

# the forms the page can show; a refusal for one that is not shown goes in the page's alert
_ACTION_FORMS = {
    Action.RESUBMIT: "answer",
    Action.SHIP: "ship",
    Action.APPEAL: "appeal",
    Action.ACCEPT: "accept",
    Action.CANCEL: "cancel",
}


async def own_request(request: Request[Any, Any, Any], rma: str) -> tuple[int, int]:
    """(id, version) of the signed-in merchant's request; NotFound (404) for anyone else's,
    an unknown RMA or a malformed one — the same answer, so nothing is learnt by guessing."""
    canonical = normalise_rma(rma[:40])
    found = None
    if canonical is not None:
        found = await merchant_request_id(canonical, current_merchant(request).id)
    if found is None:
        raise NotFound(rma)
    return found


async def request_seen(request: Request[Any, Any, Any], request_id: int) -> None:
    """The merchant has the request in front of them: its notifications are read, and the bell
    this response shows counts what is left. Only when some wait unread (the count the merchant
    guard loaded), so a page with nothing unread, kept or not, costs no write."""
    unread: int = request.state.dict().get("unread_count", 0)
    if unread <= 0:
        return
    read = await mark_request_seen(current_merchant(request).id, request_id, datetime.now(UTC))
    request.state.unread_count = max(0, unread - read)


def page_url(rma: str) -> str:
    return f"/returns/{normalise_rma(rma) or rma}"


def who(role: Role, actor_id: str) -> str:
    """The merchant as "you"; staff by role and staff number, never by name, and automatic
    steps as ReturnDesk (domain.attribution)."""
    if role is Role.MERCHANT:
        return _("You")
    return render_text(as_merchant_sees(role, actor_id))


def fingerprint(version: int, last_message: int) -> str:
    """What the poller compares: a new version (a decision) or a new message changes it."""
    return f"{version}.{last_message}"


def _timeline_view(entries: tuple[TimelineEntry, ...]) -> list[dict[str, Any]]:
    return [
        {
            "what": _(EVENT_LABELS[entry.action]),
            "state": entry.to_state,
            "state_label": _(STATE_LABELS[entry.to_state]) if entry.to_state else "",
            "tone": STATE_TONE[entry.to_state] if entry.to_state else "muted",
            "who": who(entry.actor_role, entry.actor_id),
            "when": entry.at,
            "message": entry.message,
            "files": entry.files,
        }
        for entry in entries
    ]


def shipping_words(details: RequestDetails) -> str:
    """Who pays the return shipping: decided at approval, and before it the policy's rule —
    the same words the form used (domain.return_form.fee_payer_notice)."""
    snapshot = details.snapshot
    if snapshot.fee_payer is not None:
        return _(FEE_PAYER_LABELS[snapshot.fee_payer])
    return _(fee_payer_notice(fee_payer_for(snapshot.policy, snapshot.reason)))


def _details_view(details: RequestDetails) -> dict[str, Any]:
    zh = current_locale() == "zh_CN"
    method = REFUND_METHOD_LABELS.get(details.refund_method)
    refund_to = _(method) if method else ""
    if details.refund_account_last4:
        refund_to = _("%(method)s, account ending %(last4)s") % {
            "method": refund_to,
            "last4": details.refund_account_last4,
        }
    snapshot = details.snapshot
    return {
        "items": [
            {
                "name": item.name_zh if zh else item.name_en,
                "quantity": item.quantity,
                "serial_number": item.serial_number,
            }
            for item in details.items
        ],
        "reason": _(REASON_LABELS[snapshot.reason]) if snapshot.reason else "",
        "resolution": _(RESOLUTION_LABELS[snapshot.resolution]),
        "refund_to": refund_to,
        "fee_payer": shipping_words(details),
    }


def _next_step(page: RequestPage, now: datetime) -> dict[str, Any]:
    step = next_step(page.snapshot)
    due_name, due = next(
        ((name, v) for name, v in step.params.items() if isinstance(v, datetime)), ("", None)
    )
    return {"step": render_text(step), "due": due, "due_is_mine": due_name in MERCHANT_DEADLINES}


async def page_context(
    request: Request[Any, Any, Any],
    request_id: int,
    *,
    problem: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the page and its live fragment show; actions come from domain/ alone."""
    page = await request_page(request_id)
    details, snapshot = page.details, page.snapshot
    now = datetime.now(UTC)
    actor = merchant_actor(current_merchant(request))
    actions = allowed_actions(snapshot, actor, now)
    question = next((e.message for e in page.timeline if e.action is Action.ASK_INFO), "")
    shown_forms = {"message"} | {_ACTION_FORMS[a] for a in actions if a in _ACTION_FORMS}
    return {
        "details": details,
        "snapshot": snapshot,
        "view": _details_view(details),
        "rma": details.rma,
        "url": page_url(details.rma),
        "state_label": _(STATE_LABELS[snapshot.state]),
        "tone": STATE_TONE[snapshot.state],
        **_next_step(page, now),
        "allowed": {action.value for action in actions},
        "question": question,
        "return_address": request.app.state.settings.return_address,
        "cases_offered": [
            (kind.value, _(SIDE_CASE_LABELS[kind]))
            for kind in side_cases_offered(snapshot, actor, [c.record for c in page.side_cases])
        ],
        "cases": page.side_cases,
        "case_labels": SIDE_CASE_LABELS,
        "case_status_labels": SIDE_CASE_STATUS_LABELS,
        "timeline": _timeline_view(page.timeline),
        "thread": page.thread,
        "who": who,
        "fingerprint": fingerprint(snapshot.version, page.last_message_id),
        "poll_every": POLL_EVERY,
        "problem": problem,
        "page_problem": problem if problem and problem["form"] not in shown_forms else None,
        "values": values or {},
        "notice": notice,
        "max_message": MAX_MESSAGE,
        "max_short": MAX_SHORT,
        **await documents_view(
            request_id, snapshot, page_url(details.rma), rma=details.rma, may_ask_case_file=True
        ),
    }


def conflict_page(request: Request[Any, Any, Any], rma: str) -> Response[Any]:
    """409: someone changed the request since this form was loaded; nothing was saved."""
    url = page_url(rma)
    return render(
        request, "errors/error.html", status_code=409, reload_url=url, headers=stay_at(url)
    )


def stay_at(url: str) -> dict[str, str]:
    """A form answered in place (a refusal, a conflict) keeps the address of the page it is on:
    htmx would otherwise put the form's POST address in the bar, which a reload cannot GET."""
    return {"HX-Replace-Url": url}
