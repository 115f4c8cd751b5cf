"""Step 5: everything on one screen, then submit; a refusal says which step puts it right."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from db.drafts import Draft, submit_draft
from db.evidence import draft_files
from db.orders import merchant_order
from domain.labels import REASON_LABELS, REFUND_METHOD_LABELS, RESOLUTION_LABELS
from domain.lifecycle import Refusal
from domain.policy import evidence_required, fee_payer_for
from domain.return_form import RefundMethod, evidence_notice, fee_payer_notice
from web.auth import current_merchant
from web.i18n import gettext as _
from web.i18n import render_text
from web.merchant.codes import mask_phone
from web.merchant.form.common import now, page
from web.navigation import redirect_to

# refusal code at submit → the step where it is put right
STEP_FOR_REFUSAL = {
    "items_required": 1,
    "window_closed": 1,
    "already_returned": 1,
    "appeal_instead": 1,
    "reason_required": 2,
    "evidence_required": 3,
}


async def show(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    refusal: str = "",
    fix_step: int | None = None,
    status_code: int = 200,
) -> Response[Any]:
    policy = draft.snapshot.policy
    order = await merchant_order(draft.merchant_id, now(), order_id=draft.order_id)
    method = RefundMethod(draft.refund_method) if draft.refund_method else None
    return page(
        request,
        5,
        draft,
        status_code=status_code,
        order=order,
        files=await draft_files(draft.id),
        reason_label=_(REASON_LABELS[draft.reason]) if draft.reason else "",
        evidence_words=_(evidence_notice(evidence_required(policy, draft.reason))),
        fee_words=_(fee_payer_notice(fee_payer_for(policy, draft.reason))),
        resolution_label=_(RESOLUTION_LABELS[draft.resolution]),
        method_label=_(REFUND_METHOD_LABELS[method]) if method else "",
        masked_phone=mask_phone(draft.contact_phone) if draft.contact_phone else "",
        refusal=refusal,
        fix_step=fix_step,
    )


async def submit(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    merchant = current_merchant(request)
    result = await submit_draft(draft.id, merchant.id, merchant.name, now())
    if isinstance(result, Refusal):
        return await show(
            request,
            draft,
            refusal=render_text(result.message),
            fix_step=STEP_FOR_REFUSAL.get(result.code),
            status_code=422,
        )
    return redirect_to(request, f"/returns/{result.rma}")
