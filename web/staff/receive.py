"""Receiving at /staff/receive, for inspectors at the dock: one big field that a barcode
scanner types the RMA into (or that takes the verification link the authorization's QR holds),
and the phone's camera where the browser can read codes. It opens the request's receipt."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from db.request_views import request_id_of
from domain.rma import rma_in_text
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.navigation import redirect_to
from web.rendering import render
from web.staff.navigation import staff_nav


@get("/staff/receive", name="staff_receive", guards=[staff_required(Role.INSPECTOR)])
async def receive(request: Request[Any, Any, Any]) -> Response[Any]:
    scanned = request.query_params.get("code", "")[:300]
    problem = ""
    if scanned.strip():
        rma = rma_in_text(scanned)
        if rma and await request_id_of(rma):
            return redirect_to(request, f"/staff/requests/{rma}#act-receive")
        problem = _("No return request has this number. Check the label, or type the RMA.")
    return render(
        request,
        "staff/receive.html",
        status_code=404 if problem else 200,
        nav=staff_nav(current_staff(request), "receive"),
        scanned=scanned,
        problem=problem,
    )


ROUTES: list[Any] = [receive]
