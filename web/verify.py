"""The verification page an authorization's QR opens, at /v/{token}: whether the authorization
is genuine, its RMA, state, ship-by date and item names — nothing private (no phone, address,
account). A forged or altered link says "not genuine" and names nothing. Warehouse staff and
couriers open it on a phone; a signed-in inspector also gets the way to the receiving dock."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from db.request_views import request_id_of, request_page
from domain.documents import documents_due
from domain.labels import STATE_LABELS, STATE_TONE
from domain.terms import Role
from domain.verification import rma_of_token
from web.auth import signed_in_staff
from web.i18n import current_locale
from web.i18n import gettext as _
from web.rendering import render

# the token is in the address: it is not handed on to other sites, nor kept by caches
HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@get("/v/{token:str}", name="verify")
async def verify(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    rma = rma_of_token(request.app.state.settings.secret_key, token)
    found = await request_id_of(rma) if rma else None
    if rma is None or found is None:
        return render(
            request, "public/verify.html", status_code=404, headers=HEADERS, genuine=False
        )
    page = await request_page(found[0])
    snapshot, zh = page.snapshot, current_locale() == "zh_CN"
    staff = await signed_in_staff(request)
    return render(
        request,
        "public/verify.html",
        headers=HEADERS,
        genuine=True,
        valid="authorization" in documents_due(snapshot),
        rma=rma,
        state=_(STATE_LABELS[snapshot.state]),
        tone=STATE_TONE[snapshot.state],
        ship_by=snapshot.ship_by,
        items=[
            (item.name_zh if zh else item.name_en, item.quantity) for item in page.details.items
        ],
        dock_url=f"/staff/receive/{rma}" if staff and staff.role is Role.INSPECTOR else "",
    )


ROUTES: list[Any] = [verify]
