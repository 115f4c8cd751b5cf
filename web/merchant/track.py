"""/track: anyone with an RMA number and the phone's last four digits sees where a return stands
— the state and the dates it changed, nothing private — with attempts limited per address."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from db.tracking import public_status
from domain.labels import STATE_LABELS, STATE_TONE
from domain.rma import normalise_rma
from domain.text import N_
from web.i18n import gettext as _
from web.limits import Limit, allow, client_ip
from web.rendering import render

TEMPLATE = "public/track.html"
# the last four digits of a phone are 10⁴ guesses: ten tries per address per ten minutes
TRACK_TRIES = Limit("track:ip", most=10, window=10 * 60)

NOT_FOUND = N_(
    "We could not find a return request with this number and these digits. Please check both "
    "and try again."
)
TOO_MANY = N_("Too many attempts. Please wait 10 minutes and try again.")


def _page(
    request: Request[Any, Any, Any], *, status_code: int = 200, **context: Any
) -> Response[Any]:
    defaults: dict[str, Any] = {"rma": "", "last4": "", "error": "", "result": None}
    return render(
        request,
        TEMPLATE,
        status_code=status_code,
        state_labels=STATE_LABELS,
        state_tones=STATE_TONE,
        **{**defaults, **context},
    )


@get("/track", name="track_form")
async def track_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return _page(request, rma=request.query_params.get("rma", "")[:40])


@post("/track", name="track")
async def track(request: Request[Any, Any, Any]) -> Response[Any]:
    # POST, not GET: the digits stay out of addresses, histories and logs
    form = await request.form()
    typed_rma = str(form.get("rma") or "").strip()[:40]
    last4 = str(form.get("last4") or "").strip()[:8]
    if not await allow(request.app.state.redis, TRACK_TRIES, client_ip(request)):
        return _page(request, status_code=429, rma=typed_rma, error=_(TOO_MANY))
    rma = normalise_rma(typed_rma)
    result = await public_status(rma, last4) if rma else None
    if result is None:
        # the same words for a wrong number and wrong digits: nothing is learnt by guessing
        return _page(request, status_code=404, rma=typed_rma, last4=last4, error=_(NOT_FOUND))
    return _page(request, rma=result.rma, result=result)


ROUTES: list[Any] = [track_form, track]
