"""Step 2: why the goods go back, and what that means (evidence, return shipping)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from db.drafts import Draft, save_reason
from db.policies import current_policy
from domain.labels import REASON_LABELS
from domain.lifecycle import Reason
from domain.limits import MAX_DESCRIPTION
from domain.policy import evidence_required, fee_payer_for
from domain.return_form import check_reason, evidence_notice, fee_payer_notice
from web.i18n import gettext as _
from web.merchant.form.common import gone, now, page, step_url, words
from web.navigation import redirect_to


async def _reason_choices() -> list[dict[str, Any]]:
    policy = (await current_policy())[1]
    return [
        {
            "value": reason.value,
            "label": _(REASON_LABELS[reason]),
            "evidence": _(evidence_notice(evidence_required(policy, reason))),
            "fee": _(fee_payer_notice(fee_payer_for(policy, reason))),
        }
        for reason in Reason
    ]


async def show(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    reason: str | None = None,
    description: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    return page(
        request,
        2,
        draft,
        status_code=status_code,
        reasons=await _reason_choices(),
        reason=reason if reason is not None else (draft.reason.value if draft.reason else ""),
        description=description if description is not None else draft.description,
        errors=errors or {},
        error_labels={"reason": _("Reason"), "description": _("Describe the problem")},
        max_description=MAX_DESCRIPTION,
    )


async def save(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    form = await request.form()
    reason_text, description = str(form.get("reason", ""))[:40], str(form.get("description", ""))
    reason, problems = check_reason(reason_text, description)
    if problems or reason is None:
        return await show(
            request,
            draft,
            reason=reason_text,
            description=description[: MAX_DESCRIPTION * 2],
            errors=words(problems),
            status_code=422,
        )
    if not await save_reason(draft.id, draft.merchant_id, reason, description, now()):
        return gone(request, draft)
    return redirect_to(request, step_url(draft.id, 3))
