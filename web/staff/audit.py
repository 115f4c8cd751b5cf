"""For supervisors: the audit log at /staff/audit (every staff and scheduled action on a
request — who, when, what, from which state to which — filterable, read-only) and the export
of a period's requests as CSV that Excel opens with its Chinese intact."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get

from db.audit import AuditFilter, audit_page, requests_submitted_between, staff_actions
from domain.approvals import REASON_CODE_LABELS
from domain.labels import (
    ACTION_LABELS,
    CHANNEL_LABELS,
    REASON_LABELS,
    RESOLUTION_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
)
from domain.money import Money
from domain.terms import Action, Reason, Resolution, Role, State
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.i18n import local_day_start, local_time
from web.navigation import redirect_to
from web.params import calendar_day, filter_day, whole_number
from web.rendering import render
from web.staff.navigation import staff_nav

GUARDS = [staff_required(Role.SUPERVISOR)]
PAGE_SIZE = 50
LONGEST_EXPORT_DAYS = 366


def _filter(request: Request[Any, Any, Any]) -> tuple[AuditFilter, dict[str, str]]:
    query = request.query_params
    chosen = {name: query.get(name, "")[:60].strip() for name in ("actor", "action", "from", "to")}
    action = next((a for a in Action if a.value == chosen["action"]), None)
    since, until = filter_day(chosen["from"]), filter_day(chosen["to"])
    wanted = AuditFilter(
        actor=chosen["actor"],
        action=action,
        since=local_day_start(since) if since else None,
        until=local_day_start(until + timedelta(days=1)) if until else None,
    )
    return wanted, {k: v for k, v in chosen.items() if v}


@get("/staff/audit", name="staff_audit", guards=GUARDS)
async def audit(request: Request[Any, Any, Any]) -> Response[Any]:
    wanted, chosen = _filter(request)
    before = whole_number(request.query_params.get("before"))
    rows = await audit_page(wanted, before=before, limit=PAGE_SIZE + 1)
    older = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        older = "/staff/audit?" + urlencode({**chosen, "before": rows[-1].id})
    return render(
        request,
        "staff/audit.html",
        nav=staff_nav(current_staff(request), "audit"),
        rows=rows,
        chosen=chosen,
        older=older,
        actions=[(a.value, _(ACTION_LABELS[a])) for a in Action],
        action_labels=ACTION_LABELS,
        state_labels=STATE_LABELS,
        role_labels=ROLE_LABELS,
        reason_code_labels={code: _(words) for code, words in REASON_CODE_LABELS.items()},
        export_problem=request.query_params.get("export_problem", "") == "1",
        staff_actions=await staff_actions(),
        staff_action_labels={
            "reveal_account": _("Showed a full account number"),
            "retry_outbox": _("Tried work that gave up again"),
            "create_staff": _("Added a staff account"),
            "edit_staff": _("Changed a staff account"),
            "deactivate_staff": _("Deactivated a staff account"),
            "activate_staff": _("Reactivated a staff account"),
            "create_api_client": _("Added an API client"),
            "edit_api_client": _("Changed an API client"),
            "rotate_api_key": _("Rotated an API client's key"),
            "revoke_api_client": _("Revoked an API client"),
            "add_webhook": _("Added a webhook subscription"),
            "change_webhook": _("Changed a webhook subscription"),
            "pause_webhook": _("Paused a webhook subscription"),
            "resume_webhook": _("Resumed a webhook subscription"),
            "rotate_webhook_secret": _("Rotated a webhook signing secret"),
            "remove_webhook": _("Removed a webhook subscription"),
            "redeliver_webhook": _("Sent webhook events again"),
        },
    )


# a cell Excel would read as a formula runs nothing: it is shown as the text it is
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _label(labels: Any, enum: Any, value: Any) -> str:
    return _(labels[enum(value)]) if value else ""


def _export_cells(row: dict[str, Any]) -> tuple[object, ...]:
    amount, refunded = row["refund_amount_fen"], row["refunded_at"]
    return (
        row["rma"],
        local_time(row["submitted_at"]).strftime("%Y-%m-%d %H:%M"),
        row["merchant_name"],
        row["order_no"],
        _(CHANNEL_LABELS[row["channel"]]) if row["channel"] in CHANNEL_LABELS else row["channel"],
        _label(REASON_LABELS, Reason, row["reason"]),
        _label(RESOLUTION_LABELS, Resolution, row["resolution"]),
        _label(STATE_LABELS, State, row["state"]),
        row["risk_score"],
        Money(amount).to_yuan() if amount is not None else "",
        local_time(refunded).strftime("%Y-%m-%d %H:%M") if refunded else "",
    )


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # the BOM tells Excel the file is UTF-8, so Chinese reads as Chinese
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("RMA"), _("Submitted"), _("Merchant"), _("Order"), _("Channel"), _("Reason"),
                     _("Resolution"), _("Status"), _("Risk"), _("Refund amount"), _("Refunded")])  # fmt: skip
    for row in rows:
        writer.writerow(safe_cell(cell) for cell in _export_cells(row))
    return out.getvalue().encode("utf-8")


@get("/staff/export.csv", name="staff_export", guards=GUARDS)
async def export(request: Request[Any, Any, Any]) -> Response[Any]:
    since, until = (
        calendar_day(request.query_params.get("from", "")),
        calendar_day(request.query_params.get("to", "")),
    )
    if (
        since is None
        or until is None
        or until < since
        or (until - since).days > LONGEST_EXPORT_DAYS
    ):
        return redirect_to(request, "/staff/audit?export_problem=1")
    rows = await requests_submitted_between(
        local_day_start(since), local_day_start(until + timedelta(days=1))
    )
    # up to EXPORT_MOST rows: written off the event loop (to_thread carries the reader's language)
    content = await asyncio.to_thread(_csv, rows)
    name = f"returndesk-{since.isoformat()}-{until.isoformat()}.csv"
    return Response(
        content=content,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


ROUTES: list[Any] = [audit, export]
