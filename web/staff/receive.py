"""Receiving at /staff/receive, for inspectors at the dock: one big field that a barcode
scanner types the RMA into (or that takes the verification link the authorization's QR holds),
and the phone's camera where the browser can read codes. It opens the parcel's dock screen."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from db.request_views import request_id_of
from domain.rma import rma_in_text
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.navigation import redirect_to
from web.rendering import render
from web.staff.navigation import staff_nav
from web.staff.request_screen import (
    DOCK_ACTIONS,
    DOCK_TEMPLATE,
    dock_context,
    found_request,
    screen_context,
)


@get("/staff/receive", name="staff_receive", guards=[staff_required(Role.INSPECTOR)])
async def receive(request: Request[Any, Any, Any]) -> Response[Any]:
    scanned = request.query_params.get("code", "")[:300]
    problem = ""
    if scanned.strip():
        rma = rma_in_text(scanned)
        if rma and await request_id_of(rma):
            return redirect_to(request, f"/staff/receive/{rma}")
        problem = _("No return request has this number. Check the label, or type the RMA.")
    return render(
        request,
        "staff/receive.html",
        status_code=404 if problem else 200,
        nav=staff_nav(current_staff(request), "receive"),
        scanned=scanned,
        problem=problem,
    )


@get("/staff/receive/{rma:str}", name="staff_dock", guards=[staff_required(Role.INSPECTOR)])
async def dock(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    """One parcel at the dock, one action per screen (big targets for a phone and gloves):
    receipt, then inspection, then the replacement or the return; `act` switches to another
    action the inspector has now (fail instead of pass)."""
    page, merchant = await found_request(request, rma)
    context = await screen_context(request, page, merchant)
    context["nav"] = staff_nav(current_staff(request), "receive")
    wanted = next((a for a in DOCK_ACTIONS if a.value == request.query_params.get("act")), None)
    context.update(dock_context(context, wanted))
    return render(request, DOCK_TEMPLATE, **context)


ROUTES: list[Any] = [receive, dock]
