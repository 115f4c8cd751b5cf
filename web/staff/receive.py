"""Receiving at /staff/receive, for inspectors at the dock: one big field that a barcode
scanner types the RMA into (or that takes the verification link the authorization's QR holds),
and the phone's camera where the browser can read codes. It opens the request's receipt."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, get

from db.request_views import request_id_of
from domain.rma import normalise_rma
from domain.terms import Role
from web.auth import current_staff, staff_required
from web.i18n import gettext as _
from web.navigation import redirect_to
from web.rendering import render
from web.staff.navigation import staff_nav

# an RMA inside whatever was scanned (a link ends with it, a label may add spaces)
_RMA_IN = re.compile(r"RD[0-9A-Z]{4}[- ]?[0-9A-Z]{4}[- ]?[0-9A-Z]{4}")


def rma_in(scanned: str) -> str | None:
    """The RMA a scan or a typed text names, in its canonical form, or None."""
    text = scanned.strip().upper()[:300]
    return normalise_rma(text) or next(
        (found for match in _RMA_IN.findall(text) if (found := normalise_rma(match))), None
    )


@get("/staff/receive", name="staff_receive", guards=[staff_required(Role.INSPECTOR)])
async def receive(request: Request[Any, Any, Any]) -> Response[Any]:
    scanned = request.query_params.get("code", "")[:300]
    problem = ""
    if scanned.strip():
        rma = rma_in(scanned)
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
