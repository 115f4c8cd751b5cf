"""Step 4: refund or exchange, the account a refund goes to, a phone for this return."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath

from db.drafts import Draft, save_resolution
from db.errors import NotFound
from domain.labels import REFUND_METHOD_LABELS, RESOLUTION_LABELS
from domain.lifecycle import Resolution
from domain.return_form import (
    RefundMethod,
    check_alipay_account,
    check_bank_account,
    check_contact_phone,
    check_resolution,
)
from domain.text import Text
from web.i18n import gettext as _
from web.i18n import render_text
from web.merchant.form.common import GUARDS, gone, now, own_draft, page, step_url, words
from web.navigation import redirect_to
from web.rendering import fragment

FIELDS = (
    "resolution",
    "refund_method",
    "account_holder",
    "bank",
    "bank_account",
    "alipay_account",
    "contact_phone",
)
_AS_YOU_TYPE = {
    "bank_account": check_bank_account,
    "alipay_account": check_alipay_account,
    "contact_phone": check_contact_phone,
}


def _stored_values(draft: Draft) -> dict[str, str]:
    return {
        "resolution": draft.resolution.value or Resolution.REFUND.value,
        "refund_method": draft.refund_method,
        "account_holder": draft.refund_account_holder,
        "bank": draft.refund_bank,
        "bank_account": "",
        "alipay_account": "",
        "contact_phone": draft.contact_phone,
    }


def _typed(form: Any) -> dict[str, str]:
    return {name: str(form.get(name, ""))[:200] for name in FIELDS}


def show(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    return page(
        request,
        4,
        draft,
        status_code=status_code,
        values=values or _stored_values(draft),
        errors=errors or {},
        error_labels={
            "resolution": _("Refund or exchange"),
            "refund_method": _("How the refund is paid"),
            "account_holder": _("Account holder"),
            "bank": _("Bank and branch"),
            "bank_account": _("Account number"),
            "alipay_account": _("Alipay account"),
            "contact_phone": _("Contact phone for this return"),
        },
        resolutions=[(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution],
        methods=[(m.value, _(REFUND_METHOD_LABELS[m])) for m in RefundMethod],
    )


async def save(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    values = _typed(await request.form())
    choice, problems = check_resolution(
        resolution_text=values["resolution"],
        method_text=values["refund_method"],
        holder=values["account_holder"],
        bank=values["bank"],
        bank_account=values["bank_account"],
        alipay_account=values["alipay_account"],
        contact_phone=values["contact_phone"],
        stored_method=draft.refund_method,
        has_stored_account=draft.has_refund_account,
    )
    if problems or choice is None:
        return show(request, draft, values=values, errors=words(problems), status_code=422)
    secret = request.app.state.settings.secret_key
    if not await save_resolution(draft.id, draft.merchant_id, choice, secret, now()):
        return gone(request, draft)
    return redirect_to(request, step_url(draft.id, 5))


@post(
    "/returns/drafts/{draft_id:str}/check/{field:str}",
    guards=GUARDS,
    name="return_form_check_field",
)
async def check_field(
    request: Request[Any, Any, Any], draft_id: FromPath[str], field: FromPath[str]
) -> Response[Any]:
    """As-you-type check of one field (htmx, on change): the field's block, with its message."""
    draft = await own_draft(request, draft_id)
    check = _AS_YOU_TYPE.get(field)
    if check is None or not draft.is_draft:
        raise NotFound(field)
    values = _typed(await request.form())
    errors: dict[str, str] = {}
    if values[field].strip():
        checked = check(values[field])
        if isinstance(checked, Text):
            errors[field] = render_text(checked)
    return fragment(
        request,
        "merchant/form/step4.html",
        f"field_{field}",
        page=step_url(draft.id, 4),
        step=4,
        step_names=[],
        draft=draft,
        values=values,
        errors=errors,
    )


ROUTES: list[Any] = [check_field]
