"""Document jobs (DESIGN §4): the return authorization and the refund receipt as PDFs, in the
merchant's language, stored in the file store and recorded as the request's next version —
only when what they say has changed, so a job run twice makes one file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import texts
from db.documents import latest_document, record_document
from db.files import FileStore
from db.merchants import merchant_by_id
from db.outbox import payload_of
from db.request_views import RequestPage, refund_account, request_page
from domain.labels import (
    DEDUCTION_LABELS,
    FEE_PAYER_LABELS,
    REASON_LABELS,
    REFUND_METHOD_LABELS,
    RESOLUTION_LABELS,
)
from domain.money import refund_breakdown
from domain.terms import Action
from domain.verification import verification_token
from workers.case_file import case_file_facts, case_file_zip
from workers.pdf import PdfPool, code128_data_uri, html_of, qr_data_uri
from workers.runner import run_once

Facts = dict[str, Any]


def _words(locale: str) -> Callable[[str], str]:
    return texts.translations(locale).gettext


def _items(page: RequestPage, locale: str) -> list[dict[str, Any]]:
    zh = locale == "zh_CN"
    return [
        {
            "name": item.name_zh if zh else item.name_en,
            "serial": item.serial_number or "",
            "quantity": item.quantity,
        }
        for item in page.details.items
    ]


def _decided_at(page: RequestPage, actions: tuple[Action, ...]) -> datetime | None:
    moments = [entry.at for entry in page.timeline if entry.action in actions]
    return max(moments) if moments else None


async def authorization_facts(ctx: dict[str, Any], page: RequestPage, merchant: str,
                              locale: str) -> Facts:  # fmt: skip
    """What the authorization says. A new approval (after an appeal), a changed ship-by or
    return address make different facts, hence a new version."""
    _, snapshot, zone = _words(locale), page.snapshot, ctx["timezone"]
    rma = page.details.rma
    approved = _decided_at(page, (Action.APPROVE, Action.OVERTURN))
    link = f"{ctx['site_url']}/v/{verification_token(ctx['secret_key'], rma)}"
    return {
        "rma": rma,
        "verification_url": link,
        "merchant": merchant,
        "order_no": page.details.order_no,
        "reason": _(REASON_LABELS[snapshot.reason]) if snapshot.reason else "",
        "resolution": _(RESOLUTION_LABELS[snapshot.resolution]),
        "fee_payer": _(FEE_PAYER_LABELS[snapshot.fee_payer]) if snapshot.fee_payer else "",
        "ship_by": texts.format_full(snapshot.ship_by, locale, zone) if snapshot.ship_by else "",
        "approved_at": texts.format_full(approved, locale, zone) if approved else "",
        "items": _items(page, locale),
        "return_address": ctx["return_address"],
    }


async def refund_receipt_facts(ctx: dict[str, Any], page: RequestPage, merchant: str,
                               locale: str) -> Facts:  # fmt: skip
    """What the refund receipt says: amounts, method (account masked), the payment reference
    and any invoice reversal."""
    _, snapshot, zone = _words(locale), page.snapshot, ctx["timezone"]
    refunded = _decided_at(page, (Action.REFUND,))
    _holder, _bank, last4 = await refund_account(page.details.id)
    method = REFUND_METHOD_LABELS.get(page.details.refund_method)
    refund = snapshot.refund_amount
    # the reasons for what is not refunded, one line each, by the rule that computed the refund
    breakdown = refund_breakdown(
        snapshot.items, snapshot.fee_payer, snapshot.shipping_advanced, snapshot.paid_total
    )
    return {
        "rma": page.details.rma,
        "merchant": merchant,
        "order_no": page.details.order_no,
        "items": _items(page, locale),
        "paid_total": str(snapshot.paid_total),
        "refund_amount": str(refund) if refund is not None else "",
        "deductions": [
            {"label": _(DEDUCTION_LABELS[kind]), "amount": str(amount)}
            for kind, amount in (breakdown.deductions if refund is not None else ())
        ],
        "method": _(method) if method else page.details.refund_method,
        "account": f"**** {last4}" if last4 else "",
        "payment_reference": snapshot.payment_reference or "",
        "invoice_reversal": snapshot.invoice_reversal or "",
        "refunded_at": texts.format_full(refunded, locale, zone) if refunded else "",
    }


def _visual(kind: str, facts: Facts) -> Facts:
    if kind != "authorization":
        return {}
    return {"qr": qr_data_uri(facts["verification_url"]), "barcode": code128_data_uri(facts["rma"])}


FACTS: dict[str, Callable[[dict[str, Any], RequestPage, str, str], Awaitable[Facts]]] = {
    "authorization": authorization_facts,
    "refund_receipt": refund_receipt_facts,
    "case_file": case_file_facts,
}


async def render_document(ctx: dict[str, Any], key: str, request_id: str = "") -> str:
    store: FileStore = ctx["files"]
    pool: PdfPool = ctx["pdf"]

    async def work() -> str:
        payload = await payload_of(key)
        if payload is None:
            return "no such work"
        request_id, kind = int(payload["request_id"]), str(payload["document"])
        if kind not in FACTS:
            return f"no template for {kind}"
        page = await request_page(request_id)
        merchant = await merchant_by_id(page.snapshot.merchant_id)
        locale = merchant.locale if merchant and merchant.locale in texts.LOCALES else "zh_CN"
        facts = await FACTS[kind](ctx, page, merchant.name if merchant else "", locale)
        digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
        latest = await latest_document(request_id, kind)
        if latest is not None and latest["facts_sha256"] == digest:
            return f"unchanged: version {latest['number']}"
        number = (int(latest["number"]) if latest else 0) + 1
        now = datetime.now(UTC)
        context = {**facts, **_visual(kind, facts), "_": _words(locale), "number": number,
                   "lang": "zh-CN" if locale == "zh_CN" else "en",
                   "generated_at": texts.format_full(now, locale, ctx["timezone"])}  # fmt: skip
        content = pdf = await pool.render(html_of(f"{kind}.html", context))
        if kind == "case_file":  # the PDF travels with the files it lists
            content = await case_file_zip(store, facts, pdf, context["generated_at"])
        name = await store.save(content, ".zip" if kind == "case_file" else ".pdf")
        recorded = await record_document(request_id=request_id, kind=kind, facts_sha256=digest,
                                         stored_name=name, size=len(content), locale=locale, now=now)  # fmt: skip
        if recorded is None:
            await store.delete([name])
            return "recorded meanwhile by another run"
        return f"rendered version {recorded}"

    return await run_once(ctx, key, "render_document", work, request_id=request_id)
