"""Step 3: photos and PDFs, added to the draft as they are chosen, each checked by content."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from db.drafts import Draft, mark_reached
from db.errors import NotFound
from db.evidence import add_to_draft, draft_files, remove_from_draft
from db.policies import current_policy
from domain.evidence import MAX_FILES, STORED_EDGE, room_left, too_many
from domain.labels import REASON_LABELS
from domain.policy import evidence_required
from web.i18n import gettext as _
from web.i18n import render_text
from web.merchant.form.common import GUARDS, gone, now, own_draft, page, step_url
from web.navigation import redirect_to
from web.params import row_id
from web.uploads import UPLOAD_BODY_LIMIT, chosen_files, prepared_files


async def show(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    problems: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    policy = (await current_policy())[1]
    files = await draft_files(draft.id)
    return page(
        request,
        3,
        draft,
        status_code=status_code,
        files=files,
        room=room_left(len(files)),
        max_files=MAX_FILES,
        kept_edge=STORED_EDGE,  # a photo larger than this is made this size on the phone
        evidence_required=evidence_required(policy, draft.reason),
        reason_label=_(REASON_LABELS[draft.reason]) if draft.reason else "",
        problems=problems or [],
        errors=errors or {},
        error_labels={"files": _("Photos or files")},
    )


async def save(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    policy = (await current_policy())[1]
    if evidence_required(policy, draft.reason) and not await draft_files(draft.id):
        return await show(
            request,
            draft,
            errors={"files": _("Add at least one photo: this reason needs evidence.")},
            status_code=422,
        )
    await mark_reached(draft.id, draft.merchant_id, 4, now())
    return redirect_to(request, step_url(draft.id, 4))


@post(
    "/returns/drafts/{draft_id:str}/evidence",
    guards=GUARDS,
    name="return_form_upload",
    request_max_body_size=UPLOAD_BODY_LIMIT,
)
async def upload(request: Request[Any, Any, Any], draft_id: FromPath[str]) -> Response[Any]:
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    files = chosen_files(await request.form())
    if not files:
        return await show(
            request,
            draft,
            errors={"files": _("Choose at least one photo or PDF file first.")},
            status_code=422,
        )
    prepared, problem = await prepared_files(files)
    problems = [problem] if problem else []
    store = request.app.state.files
    for file in prepared:
        if await add_to_draft(store, draft.id, draft.merchant_id, file) is None:
            problems.append(render_text(too_many(file.original_name)))
    await mark_reached(draft.id, draft.merchant_id, 3, now())
    if problems:
        return await show(request, draft, problems=problems, status_code=422)
    return redirect_to(request, step_url(draft.id, 3))


@get("/returns/drafts/{draft_id:str}/evidence", guards=GUARDS, name="return_form_upload_again")
async def upload_address(request: Request[Any, Any, Any], draft_id: FromPath[str]) -> Response[Any]:
    """A reload after an upload lands here: back to the step, never a 405."""
    draft = await own_draft(request, draft_id)
    return redirect_to(request, step_url(draft.id, 3))


@post(
    "/returns/drafts/{draft_id:str}/evidence/{evidence_id:str}/delete",
    guards=GUARDS,
    name="return_form_remove_file",
)
async def remove(
    request: Request[Any, Any, Any], draft_id: FromPath[str], evidence_id: FromPath[str]
) -> Response[Any]:
    draft = await own_draft(request, draft_id)
    if not draft.is_draft:
        return gone(request, draft)
    store = request.app.state.files
    if not await remove_from_draft(store, draft.id, draft.merchant_id, row_id(evidence_id)):
        raise NotFound(evidence_id)
    return redirect_to(request, step_url(draft.id, 3))


ROUTES: list[Any] = [upload, upload_address, remove]
