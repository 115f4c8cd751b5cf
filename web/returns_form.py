"""The merchant's return form: five steps saved as a draft after each one, and the evidence files."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import File

from db.drafts import (
    Draft,
    OrderView,
    create_draft,
    discard_draft,
    latest_draft_id,
    load_draft,
    mark_reached,
    merchant_order,
    merchant_orders,
    save_items,
    save_reason,
    save_resolution,
    submit_draft,
)
from db.evidence import (
    MAX_BYTES,
    MAX_FILES,
    EvidenceProblem,
    attached_count,
    delete_evidence,
    evidence_for,
    evidence_for_merchant,
    evidence_path,
    store_evidence,
)
from db.merchants import MerchantAccount
from db.returns import NotFound, current_policy
from domain.evidence import room_left, too_many
from domain.labels import REASON_LABELS, REFUND_METHOD_LABELS, RESOLUTION_LABELS
from domain.lifecycle import Reason, Refusal, Resolution
from domain.policy import evidence_required, fee_payer_for
from domain.return_form import (
    LAST_STEP,
    STEP_NAMES,
    ItemChoice,
    RefundMethod,
    check_alipay_account,
    check_bank_account,
    check_contact_phone,
    check_items,
    check_reason,
    check_resolution,
    evidence_notice,
    fee_payer_notice,
)
from domain.text import Text
from web.i18n import gettext as _
from web.i18n import render_text
from web.merchant_signin import merchant_required
from web.navigation import redirect_to
from web.rendering import render
from web.signin import mask_phone

_GUARDS = [merchant_required]
# refusal code at submit → the step where it is put right
_STEP_FOR_REFUSAL = {
    "items_required": 1,
    "window_closed": 1,
    "already_returned": 1,
    "reason_required": 2,
    "evidence_required": 3,
}


def _merchant(request: Request[Any, Any, Any]) -> MerchantAccount:
    merchant: MerchantAccount = request.state.merchant
    return merchant


def _now() -> datetime:
    return datetime.now(UTC)


def _step_url(draft_id: int, step: int) -> str:
    return f"/returns/drafts/{draft_id}/step/{step}"


def _words(problems: dict[str, Text]) -> dict[str, str]:
    return {name: render_text(text) for name, text in problems.items()}


async def _own_draft(request: Request[Any, Any, Any], draft_id: int) -> Draft:
    """The signed-in merchant's request; anyone else's (or none) is a 404."""
    draft = await load_draft(draft_id, _merchant(request).id)
    if draft is None:
        raise NotFound(draft_id)
    return draft


def _page(
    request: Request[Any, Any, Any],
    step: int,
    draft: Draft | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    return render(
        request,
        f"merchant/form/step{step}.html",
        block="content",
        status_code=status_code,
        step=step,
        step_names=[_(name) for name in STEP_NAMES],
        draft=draft,
        step_url=(lambda n: _step_url(draft.id, n)) if draft else None,
        **context,
    )


# -- step 1: order and items --


def _selection_from_draft(draft: Draft | None) -> dict[int, dict[str, str]]:
    if draft is None:
        return {}
    return {
        item.order_item_id: {"qty": str(item.quantity), "sn": item.serial_number or ""}
        for item in draft.items
    }


async def _step1(
    request: Request[Any, Any, Any],
    draft: Draft | None,
    *,
    order: OrderView | None = None,
    typed_order_no: str = "",
    selection: dict[int, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    idempotency_key: str = "",
    choose: bool = False,
    status_code: int = 200,
) -> Response[str]:
    merchant = _merchant(request)
    orders = await merchant_orders(merchant.id, _now()) if order is None or choose else []
    return _page(
        request,
        1,
        draft,
        status_code=status_code,
        orders=orders,
        order=None if choose else order,
        typed_order_no=typed_order_no,
        selection=selection if selection is not None else _selection_from_draft(draft),
        errors=errors or {},
        idempotency_key=idempotency_key or secrets.token_urlsafe(24),
        form_action=_step_url(draft.id, 1) if draft else "/returns/new",
        choose_url=(_step_url(draft.id, 1) + "?choose=1") if draft else "/returns/new?new=1",
    )


async def _order_from_query(
    request: Request[Any, Any, Any], typed: str
) -> tuple[OrderView | None, dict[str, str]]:
    order = await merchant_order(_merchant(request).id, _now(), order_no=typed)
    if order is None:
        return None, {
            "order_no": _(
                "We could not find this order number among your orders. Please check it, or choose an order from the list."
            )
        }
    if not order.eligibility.eligible:
        return None, {"order_no": render_text(order.eligibility.message)}
    return order, {}


@get("/returns/new", guards=_GUARDS, name="return_form_new")
async def new_return(request: Request[Any, Any, Any]) -> Response[Any]:
    """Resume the latest draft; or choose an order (?order_no= shows its items, ?new=1 a fresh list)."""
    typed = request.query_params.get("order_no", "")
    fresh = request.query_params.get("new") == "1"
    if not typed and not fresh:
        draft_id = await latest_draft_id(_merchant(request).id)
        if draft_id is not None:
            draft = await _own_draft(request, draft_id)
            return redirect_to(request, _step_url(draft.id, min(draft.draft_step, LAST_STEP)))
    if not typed:
        return await _step1(request, None)
    order, errors = await _order_from_query(request, typed)
    return await _step1(
        request,
        None,
        order=order,
        typed_order_no=typed,
        errors=errors,
        status_code=422 if errors else 200,
    )


async def _read_items(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], list[ItemChoice]]:
    form = await request.form()
    choices = []
    for value in form.getall("item", []):
        if str(value).isdigit():
            item_id = int(value)
            choices.append(
                ItemChoice(
                    item_id,
                    str(form.get(f"qty-{item_id}", "1")),
                    str(form.get(f"sn-{item_id}", "")),
                )
            )
    return dict(form), choices


def _selection_from_form(
    form: dict[str, Any], choices: list[ItemChoice]
) -> dict[int, dict[str, str]]:
    return {
        choice.order_item_id: {"qty": choice.quantity_text, "sn": choice.serial_text}
        for choice in choices
    }


async def _save_step1(request: Request[Any, Any, Any], draft: Draft | None) -> Response[Any]:
    merchant = _merchant(request)
    form, choices = await _read_items(request)
    order_id = str(form.get("order_id", ""))
    order = (
        await merchant_order(merchant.id, _now(), order_id=int(order_id))
        if order_id.isdigit()
        else None
    )
    if order is None:
        raise NotFound(order_id)
    key = str(form.get("idempotency_key", ""))
    selection = _selection_from_form(form, choices)
    if not order.eligibility.eligible:
        errors = {"order_no": render_text(order.eligibility.message)}
        return await _step1(request, draft, errors=errors, choose=True, status_code=422)
    items, problems = check_items([line.as_order_line() for line in order.lines], choices)
    if problems:
        return await _step1(
            request,
            draft,
            order=order,
            selection=selection,
            errors=_words(problems),
            idempotency_key=key,
            status_code=422,
        )
    if draft is None:
        draft_id = await create_draft(merchant.id, order.id, items, key, merchant.phone, _now())
        if draft_id is None:
            raise NotFound(key)
    else:
        if not await save_items(draft.id, merchant.id, order.id, items, _now()):
            return _gone(request, draft)
        draft_id = draft.id
    return redirect_to(request, _step_url(draft_id, 2))


@post("/returns/new", guards=_GUARDS, name="return_form_create")
async def create_return(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _save_step1(request, None)


def _gone(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    """The request is no longer a draft (submitted meanwhile, e.g. from another tab): show it."""
    if draft.rma:
        return redirect_to(request, f"/returns/{draft.rma}")
    raise NotFound(draft.id)


# -- the steps of a saved draft --


@get("/returns/drafts/{draft_id:int}/step/{step:int}", guards=_GUARDS, name="return_form_step")
async def show_step(
    request: Request[Any, Any, Any], draft_id: FromPath[int], step: FromPath[int]
) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    if step == 1:
        typed = request.query_params.get("order_no", "")
        if request.query_params.get("choose") == "1":
            return await _step1(request, draft, choose=True)
        if typed:
            order, errors = await _order_from_query(request, typed)
            return await _step1(
                request,
                draft,
                order=order,
                typed_order_no=typed,
                selection={},
                errors=errors,
                choose=order is None,
                status_code=422 if errors else 200,
            )
        order = await merchant_order(draft.merchant_id, _now(), order_id=draft.order_id)
        return await _step1(request, draft, order=order)
    if step == 2:
        return await _step2(request, draft)
    if step == 3:
        return await _step3(request, draft)
    if step == 4:
        return _step4(request, draft)
    if step == LAST_STEP:
        return await _step5(request, draft)
    raise NotFound(step)


@post("/returns/drafts/{draft_id:int}/step/{step:int}", guards=_GUARDS, name="return_form_save")
async def save_step(
    request: Request[Any, Any, Any], draft_id: FromPath[int], step: FromPath[int]
) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    if step == 1:
        return await _save_step1(request, draft)
    if step == 2:
        return await _save_step2(request, draft)
    if step == 3:
        return await _save_step3(request, draft)
    if step == 4:
        return await _save_step4(request, draft)
    if step == LAST_STEP:
        return await _submit(request, draft)
    raise NotFound(step)


# -- step 2: reason --


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


async def _step2(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    reason: str | None = None,
    description: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    return _page(
        request,
        2,
        draft,
        status_code=status_code,
        reasons=await _reason_choices(),
        reason=reason if reason is not None else (draft.reason.value if draft.reason else ""),
        description=description if description is not None else draft.description,
        errors=errors or {},
    )


async def _save_step2(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    form = await request.form()
    reason_text, description = str(form.get("reason", "")), str(form.get("description", ""))
    reason, problems = check_reason(reason_text, description)
    if problems or reason is None:
        return await _step2(
            request,
            draft,
            reason=reason_text,
            description=description,
            errors=_words(problems),
            status_code=422,
        )
    if not await save_reason(draft.id, draft.merchant_id, reason, description, _now()):
        return _gone(request, draft)
    return redirect_to(request, _step_url(draft.id, 3))


# -- step 3: evidence --


async def _step3(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    problems: list[str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    policy = (await current_policy())[1]
    files = [
        file
        for file in await evidence_for(draft.id)
        if file["event"] is None and file["message"] is None
    ]
    return _page(
        request,
        3,
        draft,
        status_code=status_code,
        files=files,
        room=room_left(len(files)),
        max_files=MAX_FILES,
        evidence_required=evidence_required(policy, draft.reason),
        reason_label=_(REASON_LABELS[draft.reason]) if draft.reason else "",
        problems=problems or [],
        errors=errors or {},
    )


@post(
    "/returns/drafts/{draft_id:int}/evidence",
    guards=_GUARDS,
    name="return_form_upload",
    request_max_body_size=MAX_FILES * MAX_BYTES + 1024 * 1024,
)
async def upload_evidence(
    request: Request[Any, Any, Any], draft_id: FromPath[int]
) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    form = await request.form()
    uploads = [f for f in form.getall("files", []) if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        return await _step3(
            request,
            draft,
            errors={"files": _("Choose at least one photo or PDF file first.")},
            status_code=422,
        )
    room = room_left(await attached_count(draft.id))
    problems: list[EvidenceProblem] = []
    files_dir = request.app.state.settings.files_dir
    for upload in uploads:
        if room <= 0:
            problems.append(EvidenceProblem(upload.filename, too_many(upload.filename)))
            continue
        content = await upload.read(MAX_BYTES + 1)  # one byte more is enough to say "too large"
        result = await store_evidence(
            draft.id, upload.filename, content, f"merchant:{draft.merchant_id}", files_dir
        )
        if isinstance(result, EvidenceProblem):
            problems.append(result)
        else:
            room -= 1
    await mark_reached(draft.id, draft.merchant_id, 3, _now())
    if problems:
        return await _step3(
            request,
            draft,
            problems=[render_text(problem.message) for problem in problems],
            status_code=422,
        )
    return redirect_to(request, _step_url(draft.id, 3))


@post(
    "/returns/drafts/{draft_id:int}/evidence/{evidence_id:int}/delete",
    guards=_GUARDS,
    name="return_form_remove_file",
)
async def remove_evidence(
    request: Request[Any, Any, Any], draft_id: FromPath[int], evidence_id: FromPath[int]
) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    if not await delete_evidence(draft.id, evidence_id, request.app.state.settings.files_dir):
        raise NotFound(evidence_id)
    return redirect_to(request, _step_url(draft.id, 3))


async def _save_step3(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    policy = (await current_policy())[1]
    if evidence_required(policy, draft.reason) and not await attached_count(draft.id):
        return await _step3(
            request,
            draft,
            errors={"files": _("Add at least one photo: this reason needs evidence.")},
            status_code=422,
        )
    await mark_reached(draft.id, draft.merchant_id, 4, _now())
    return redirect_to(request, _step_url(draft.id, 4))


# -- step 4: refund or exchange --


def _step4_values(draft: Draft) -> dict[str, str]:
    return {
        "resolution": draft.resolution or Resolution.REFUND.value,
        "refund_method": draft.refund_method,
        "account_holder": draft.refund_account_holder,
        "bank": draft.refund_bank,
        "bank_account": "",
        "alipay_account": "",
        "contact_phone": draft.contact_phone,
    }


def _step4(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    return _page(
        request,
        4,
        draft,
        status_code=status_code,
        values=values or _step4_values(draft),
        errors=errors or {},
        resolutions=[(r.value, _(RESOLUTION_LABELS[r])) for r in Resolution],
        methods=[(m.value, _(REFUND_METHOD_LABELS[m])) for m in RefundMethod],
    )


def _form_values(form: Any) -> dict[str, str]:
    names = (
        "resolution",
        "refund_method",
        "account_holder",
        "bank",
        "bank_account",
        "alipay_account",
        "contact_phone",
    )
    return {name: str(form.get(name, "")) for name in names}


async def _save_step4(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    values = _form_values(await request.form())
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
        return _step4(request, draft, values=values, errors=_words(problems), status_code=422)
    secret = request.app.state.settings.secret_key
    if not await save_resolution(draft.id, draft.merchant_id, choice, secret, _now()):
        return _gone(request, draft)
    return redirect_to(request, _step_url(draft.id, 5))


_FIELD_CHECKS = {
    "bank_account": check_bank_account,
    "alipay_account": check_alipay_account,
    "contact_phone": check_contact_phone,
}


@post(
    "/returns/drafts/{draft_id:int}/check/{field:str}",
    guards=_GUARDS,
    name="return_form_check_field",
)
async def check_field(
    request: Request[Any, Any, Any], draft_id: FromPath[int], field: FromPath[str]
) -> Response[Any]:
    """As-you-type check of one step-4 field (htmx, on change): the field's block, with its message."""
    draft = await _own_draft(request, draft_id)
    check = _FIELD_CHECKS.get(field)
    if check is None or not draft.is_draft:
        raise NotFound(field)
    values = _form_values(await request.form())
    errors: dict[str, str] = {}
    if values[field].strip():
        checked = check(values[field])
        if isinstance(checked, Text):
            errors[field] = render_text(checked)
    return render(
        request,
        "merchant/form/step4.html",
        block=f"field_{field}",
        status_code=200,
        step=4,
        step_names=[],
        draft=draft,
        values=values,
        errors=errors,
    )


# -- step 5: review and submit --


async def _step5(
    request: Request[Any, Any, Any],
    draft: Draft,
    *,
    refusal: str = "",
    fix_step: int | None = None,
    status_code: int = 200,
) -> Response[str]:
    policy = (await current_policy())[1]
    order = await merchant_order(draft.merchant_id, _now(), order_id=draft.order_id)
    files = await evidence_for(draft.id)
    method = RefundMethod(draft.refund_method) if draft.refund_method else None
    return _page(
        request,
        5,
        draft,
        status_code=status_code,
        order=order,
        files=files,
        reason_label=_(REASON_LABELS[draft.reason]) if draft.reason else "",
        evidence_words=_(evidence_notice(evidence_required(policy, draft.reason))),
        fee_words=_(fee_payer_notice(fee_payer_for(policy, draft.reason))),
        resolution_label=_(RESOLUTION_LABELS[Resolution(draft.resolution)]),
        method_label=_(REFUND_METHOD_LABELS[method]) if method else "",
        masked_phone=mask_phone(draft.contact_phone) if draft.contact_phone else "",
        refusal=refusal,
        fix_step=fix_step,
    )


async def _submit(request: Request[Any, Any, Any], draft: Draft) -> Response[Any]:
    merchant = _merchant(request)
    result = await submit_draft(draft.id, merchant.id, merchant.name, _now())
    if isinstance(result, Refusal):
        return await _step5(
            request,
            draft,
            refusal=render_text(result.message),
            fix_step=_STEP_FOR_REFUSAL.get(result.code),
            status_code=422,
        )
    return redirect_to(request, f"/returns/{result.rma}")


# -- discard --


@get("/returns/drafts/{draft_id:int}/discard", guards=_GUARDS, name="return_form_discard_ask")
async def discard_confirm(
    request: Request[Any, Any, Any], draft_id: FromPath[int]
) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    return render(
        request,
        "merchant/form/discard.html",
        block="content",
        draft=draft,
        back_url=_step_url(draft.id, min(draft.draft_step, LAST_STEP)),
    )


@post("/returns/drafts/{draft_id:int}/discard", guards=_GUARDS, name="return_form_discard")
async def discard(request: Request[Any, Any, Any], draft_id: FromPath[int]) -> Response[Any]:
    draft = await _own_draft(request, draft_id)
    if not draft.is_draft:
        return _gone(request, draft)
    result = await discard_draft(
        draft.id, draft.merchant_id, request.app.state.settings.files_dir, _now()
    )
    if isinstance(result, Refusal):
        return _gone(request, draft)
    return redirect_to(request, "/")


# -- evidence files --


@get("/files/{evidence_id:int}/{kind:str}", guards=_GUARDS, name="evidence_file")
async def evidence_file(
    request: Request[Any, Any, Any], evidence_id: FromPath[int], kind: FromPath[str]
) -> File:
    """A stored file or its thumbnail, only for the merchant whose request it is on (else 404)."""
    row = await evidence_for_merchant(evidence_id, _merchant(request).id)
    if row is None or kind not in ("original", "thumb"):
        raise NotFound(evidence_id)
    name = row["stored_name"] if kind == "original" else row["thumb_name"]
    if not name:
        raise NotFound(evidence_id)
    path = evidence_path(request.app.state.settings.files_dir, name)
    if not path.is_file():
        raise NotFound(evidence_id)
    original_name = row["original_name"]
    if kind == "thumb":
        original_name = original_name.rsplit(".", 1)[0] + "-thumb.jpg"
    is_pdf = row["content_type"] == "application/pdf" and kind == "original"
    return File(
        path=path,
        filename=original_name,
        media_type="image/jpeg" if kind == "thumb" else row["content_type"],
        content_disposition_type="attachment" if is_pdf else "inline",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            # whatever a file holds, it runs nothing on our origin
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        },
    )


ROUTES: list[Any] = [
    new_return,
    create_return,
    show_step,
    save_step,
    upload_evidence,
    remove_evidence,
    check_field,
    discard_confirm,
    discard,
    evidence_file,
]
