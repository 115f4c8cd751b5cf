"""A return request as the partner API shows it — to GET and in every webhook's body alike, so a
partner reads one shape: state and version, deadlines, the next step and the actions open to
the partner now (domain/ decides them), items, timeline, files and documents. What the
merchant's side may read (domain.file_access), never staff notes; people by role alone."""

from __future__ import annotations

from datetime import datetime

import msgspec

import texts
from db.documents import document_numbers
from db.request_views import Attachment, RequestPage, TimelineEntry, request_page
from domain.attribution import staff_number
from domain.labels import next_step
from domain.lifecycle import Actor, allowed_actions
from domain.terms import Role

API = "/api/v1"


class ApiFile(msgspec.Struct, kw_only=True):
    id: int
    kind: str  # "image" or "pdf"
    name: str
    url: str  # GET with the client's key


class ApiItem(msgspec.Struct, kw_only=True):
    name_zh: str
    name_en: str
    quantity: int
    serial_number: str | None


class ApiEntry(msgspec.Struct, kw_only=True):
    """One step in the request's history: who (by role), what, when, and what was said."""

    action: str
    from_state: str
    to_state: str | None
    by: str  # a role: "merchant", "reviewer", "partner", "system", …
    staff_number: str | None  # staff by their number (工号), never by name
    at: datetime
    message: str
    reason_code: str
    files: list[ApiFile]


class ApiDocument(msgspec.Struct, kw_only=True):
    kind: str  # "authorization", "refund_receipt", "case_file"
    number: int  # its version: a new one is made when what it says changes
    url: str


class ApiDeadlines(msgspec.Struct, kw_only=True):
    review_due_at: datetime | None
    ship_by: datetime | None
    appeal_deadline: datetime | None
    refund_due_by: datetime | None


class ApiNextStep(msgspec.Struct, kw_only=True):
    text: str  # in the language asked for (zh-CN unless Accept-Language says otherwise)
    actions: list[str]  # what this client may do now: POST …/{action} (domain/ decides)


class ApiRequest(msgspec.Struct, kw_only=True):
    """A return request, as GET /api/v1/returns/{id} answers and every webhook carries."""

    id: int
    rma: str | None  # set at submit
    state: str
    version: int  # the ETag; send it back in If-Match to change the request
    channel: str
    merchant_id: int
    order_no: str
    reason: str | None
    description: str
    resolution: str
    refund_method: str
    items: list[ApiItem]
    deadlines: ApiDeadlines
    next_step: ApiNextStep
    fee_payer: str | None
    refund_amount_fen: int | None
    carrier: str
    tracking_number: str
    submitted_at: datetime | None
    evidence: list[ApiFile]
    timeline: list[ApiEntry]  # newest first
    documents: list[ApiDocument]


def api_file(request_id: int, found: Attachment) -> ApiFile:
    return ApiFile(
        id=found.id,
        kind=found.kind,
        name=found.original_name,
        url=f"{API}/returns/{request_id}/files/{found.id}",
    )


def _entry(request_id: int, entry: TimelineEntry) -> ApiEntry:
    return ApiEntry(
        action=entry.action.value,
        from_state=entry.from_state.value,
        to_state=entry.to_state.value if entry.to_state else None,
        by=entry.actor_role.value,
        staff_number=staff_number(entry.actor_id),
        at=entry.at,
        message=entry.message,
        reason_code=entry.reason_code,
        files=[api_file(request_id, f) for f in entry.files],
    )


def _next_step(
    page: RequestPage, actor: Actor, locale: str, zone: str, now: datetime
) -> ApiNextStep:
    return ApiNextStep(
        text=texts.render(next_step(page.snapshot), locale, zone),
        actions=[a.value for a in allowed_actions(page.snapshot, actor, now)],
    )


async def api_request(
    request_id: int, client_id: int, *, locale: str, zone: str, now: datetime
) -> ApiRequest:
    """The request as its client sees it (LookupError if there is no such request)."""
    page = await request_page(request_id)
    snapshot, details = page.snapshot, page.details
    actor = Actor(Role.PARTNER, f"partner:{client_id}", snapshot.merchant_id)
    numbers = await document_numbers(request_id)
    return ApiRequest(
        id=request_id,
        rma=details.rma or None,
        state=snapshot.state.value,
        version=snapshot.version,
        channel=details.channel,
        merchant_id=snapshot.merchant_id,
        order_no=details.order_no,
        reason=snapshot.reason.value if snapshot.reason else None,
        description=details.description,
        resolution=snapshot.resolution.value,
        refund_method=details.refund_method,
        items=[
            ApiItem(
                name_zh=i.name_zh,
                name_en=i.name_en,
                quantity=i.quantity,
                serial_number=i.serial_number,
            )
            for i in details.items
        ],
        deadlines=ApiDeadlines(
            review_due_at=snapshot.review_due_at,
            ship_by=snapshot.ship_by,
            appeal_deadline=snapshot.appeal_deadline,
            refund_due_by=snapshot.refund_due_by,
        ),
        next_step=_next_step(page, actor, locale, zone, now),
        fee_payer=snapshot.fee_payer.value if snapshot.fee_payer else None,
        refund_amount_fen=snapshot.refund_amount.fen if snapshot.refund_amount else None,
        carrier=snapshot.carrier,
        tracking_number=snapshot.tracking_number,
        submitted_at=snapshot.submitted_at,
        evidence=[api_file(request_id, f) for f in details.evidence],
        timeline=[_entry(request_id, e) for e in page.timeline],
        documents=[
            ApiDocument(
                kind=kind, number=number, url=f"{API}/returns/{request_id}/documents/{kind}"
            )
            for kind, number in sorted(numbers.items())
        ],
    )
