"""Staff writing on a request: a reply the merchant reads in their thread (or in a side case's),
or an internal note that only staff see — append-only, with files (the same upload checks); and
settling a side case: a logistics problem, or a fee dispute a supervisor decides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from db.conversations import post_message
from db.errors import Conflict
from db.side_case_decisions import resolve_side_case
from domain.lifecycle import FeePayer, Refusal
from web.auth import current_staff, staff_required
from web.i18n import render_text
from web.navigation import redirect_to
from web.params import optional_id, row_id
from web.rendering import render
from web.staff.request_screen import TEMPLATE, found_request, screen_context, screen_url
from web.uploads import UPLOAD_BODY_LIMIT, stage_form_files


@post(
    "/staff/requests/{rma:str}/messages",
    name="staff_message",
    guards=[staff_required()],
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def write(request: Request[Any, Any, Any], rma: FromPath[str]) -> Response[Any]:
    page, merchant = await found_request(request, rma)
    staff = current_staff(request)
    form = await request.form()
    body = str(form.get("body") or "")
    internal = form.get("kind") == "note"
    case_id = optional_id(form, "case")  # 400 for anything but an id; NotFound if not its case
    staged = await stage_form_files(request, form, page.details.id, staff.actor.id)
    result: int | Refusal | str = staged.problem or await post_message(
        page.details.id,
        staff.actor,
        staff.display_name,
        body,
        datetime.now(UTC),
        staged_files=staged.ids,
        internal=internal and case_id is None,
        side_case_id=case_id,
    )
    if isinstance(result, int):
        return redirect_to(request, screen_url(page.details.rma) + "#thread-heading")
    context = await screen_context(request, page, merchant)
    words = result if isinstance(result, str) else render_text(result.message)
    context.update(message_problem=words, message_body=body, message_note=internal)
    return render(request, TEMPLATE, status_code=422, **context)


@post("/staff/requests/{rma:str}/cases/{case_id:str}/resolve", name="staff_resolve_case",
      guards=[staff_required()])  # fmt: skip
async def resolve(
    request: Request[Any, Any, Any], rma: FromPath[str], case_id: FromPath[str]
) -> Response[Any]:
    page, merchant = await found_request(request, rma)
    staff = current_staff(request)
    form = await request.form()
    outcome = str(form.get("outcome") or "")
    payer = str(form.get("fee_payer") or "")
    try:
        refused = await resolve_side_case(
            page.details.id,
            row_id(case_id),
            staff.actor,
            staff.display_name,
            outcome,
            datetime.now(UTC),
            fee_payer=FeePayer(payer) if payer in {p.value for p in FeePayer} else None,
        )
    except Conflict:
        refused = None  # settled or changed meanwhile: the screen shows how it stands now
        page, merchant = await found_request(request, rma)
    if refused is None:
        return redirect_to(request, screen_url(page.details.rma) + f"#case-{row_id(case_id)}")
    context = await screen_context(request, page, merchant)
    context.update(case_problem={"case": row_id(case_id), "message": render_text(refused.message)},
                   case_outcome=outcome)  # fmt: skip
    return render(request, TEMPLATE, status_code=422, **context)


ROUTES: list[Any] = [write, resolve]
