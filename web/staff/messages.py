"""Staff writing on a request: a reply the merchant reads in their thread, or an internal note
that only staff see. Both are append-only and may carry files (the same upload checks)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from db.conversations import post_message
from domain.lifecycle import Refusal
from web.auth import current_staff, staff_required
from web.i18n import render_text
from web.navigation import redirect_to
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
    staged = await stage_form_files(request, form, page.details.id, staff.actor.id)
    result: int | Refusal | str = staged.problem or await post_message(
        page.details.id,
        staff.actor,
        staff.display_name,
        body,
        datetime.now(UTC),
        staged_files=staged.ids,
        internal=internal,
    )
    if isinstance(result, int):
        return redirect_to(request, screen_url(page.details.rma) + "#thread-heading")
    context = await screen_context(request, page, merchant)
    words = result if isinstance(result, str) else render_text(result.message)
    context.update(message_problem=words, message_body=body, message_note=internal)
    return render(request, TEMPLATE, status_code=422, **context)


ROUTES: list[Any] = [write]
