"""The merchant's return form: five steps, each its own module, saved as a draft after each one.

A table of step handlers, not a chain of ifs: adding a step is a row here and a module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.drafts import Draft, discard_draft, latest_draft_id
from db.errors import NotFound
from domain.lifecycle import Refusal
from domain.return_form import LAST_STEP
from web.auth import current_merchant
from web.merchant.form import files, step1, step2, step3, step4, step5
from web.merchant.form.common import GUARDS, gone, now, own_draft, step_url
from web.navigation import redirect_to
from web.params import whole_number
from web.rendering import render
from web.uploads import FORM_BODY_LIMIT

Handler = Callable[[Request[Any, Any, Any], Draft], Awaitable[Response[Any]]]


async def _show4(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    return step4.show(request, draft)


SHOW: dict[int, Handler] = {
    1: step1.show_saved,
    2: step2.show,
    3: step3.show,
    4: _show4,
    5: step5.show,
}
SAVE: dict[int, Handler] = {
    1: step1.save,
    2: step2.save,
    3: step3.save,
    4: step4.save,
    5: step5.submit,
}
assert len(SHOW) == len(SAVE) == LAST_STEP


@get("/returns/new", guards=GUARDS, name="return_form_new")
async def new_return(request: Request[Any, Any, Any]) -> Response[Any]:
    """Resume the latest draft; or choose an order (?order_no= shows its items, ?new=1 a fresh list)."""
    typed = request.query_params.get("order_no", "")[:40]
    fresh = request.query_params.get("new") == "1"
    if not typed and not fresh:
        draft_id = await latest_draft_id(current_merchant(request).id)
        if draft_id is not None:
            draft = await own_draft(request, str(draft_id))
            return redirect_to(request, step_url(draft.id, min(draft.draft_step, LAST_STEP)))
    if not typed:
        return await step1.show(request, None)
    order, errors = await step1.order_from_query(request, typed)
    return await step1.show(
        request, None, order=order, typed_order_no=typed, errors=errors,
        status_code=422 if errors else 200,
    )  # fmt: skip


@post(
    "/returns/new", guards=GUARDS, name="return_form_create", request_max_body_size=FORM_BODY_LIMIT
)
async def create_return(request: Request[Any, Any, Any]) -> Response[Any]:
    return await step1.save(request, None)


def _step(raw: str) -> int:
    step = whole_number(raw)
    if step is None or step not in SHOW:
        raise NotFound(raw)
    return step


@get("/returns/drafts/{draft_id:str}/step/{step:str}", guards=GUARDS, name="return_form_step")
async def show_step(
    request: Request[Any, Any, Any], draft_id: FromPath[str], step: FromPath[str]
) -> Response[Any]:
    number = _step(step)
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    return await SHOW[number](request, draft)


@post(
    "/returns/drafts/{draft_id:str}/step/{step:str}",
    guards=GUARDS,
    name="return_form_save",
    request_max_body_size=FORM_BODY_LIMIT,
)
async def save_step(
    request: Request[Any, Any, Any], draft_id: FromPath[str], step: FromPath[str]
) -> Response[Any]:
    number = _step(step)
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    return await SAVE[number](request, draft)


@get("/returns/drafts/{draft_id:str}/discard", guards=GUARDS, name="return_form_discard_ask")
async def discard_confirm(
    request: Request[Any, Any, Any], draft_id: FromPath[str]
) -> Response[Any]:
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    return render(
        request,
        "merchant/form/discard.html",
        block="content",
        draft=draft,
        back_url=step_url(draft.id, min(draft.draft_step, LAST_STEP)),
    )


@post("/returns/drafts/{draft_id:str}/discard", guards=GUARDS, name="return_form_discard")
async def discard(request: Request[Any, Any, Any], draft_id: FromPath[str]) -> Response[Any]:
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    result = await discard_draft(draft.id, draft.merchant_id, request.app.state.files, now())
    if isinstance(result, Refusal):
        return gone(request, draft)
    return redirect_to(request, "/")


ROUTES: list[Any] = [
    new_return,
    create_return,
    show_step,
    save_step,
    discard_confirm,
    discard,
    *step3.ROUTES,
    *step4.ROUTES,
    *files.ROUTES,
]
