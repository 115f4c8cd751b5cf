"""Return requests filed through the partner API: made whole in one go as a draft of the
merchant's, carrying the client's channel and outlet; listed for the client that filed them
(and no other) by a cursor; their events read back in order."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.crypto import encrypt_account
from db.drafts import insert_items
from db.engine import atomic
from db.partners import ApiClient
from db.policies import current_policy, ensure_policy
from db.snapshots import aware_at
from db.sql import fetch
from db.tables import PartnerEvent, ReturnRequest
from domain.return_form import ChosenItem, ResolutionChoice, account_last4
from domain.terms import Reason, State


@dataclass(frozen=True)
class PartnerDraft:
    merchant_id: int
    order_id: int
    items: list[ChosenItem]
    reason: Reason
    description: str
    choice: ResolutionChoice


def _refund_fields(choice: ResolutionChoice, secret_key: str) -> dict[str, Any]:
    method = choice.refund_method.value if choice.refund_method else ""
    fields: dict[str, Any] = {
        "resolution": choice.resolution.value,
        "refund_method": method,
        "contact_phone": choice.contact_phone,
    }
    if method == "bank_transfer":
        fields |= {"refund_account_holder": choice.account_holder, "refund_bank": choice.bank}
    if method in ("bank_transfer", "alipay") and choice.account:
        fields |= {"refund_account_enc": encrypt_account(secret_key, choice.account),
                   "refund_account_last4": account_last4(choice.account)}  # fmt: skip
    return fields


async def create_partner_draft(
    client: ApiClient, draft: PartnerDraft, secret_key: str, now: datetime
) -> int:
    """The merchant's draft, filed by this client: its channel, outlet and the client itself
    recorded on the request (DESIGN §7)."""
    version = (await current_policy())[0] or await ensure_policy()
    async with atomic():
        inserted = await ReturnRequest.insert(
            ReturnRequest(
                merchant=draft.merchant_id,
                order=draft.order_id,
                state=State.DRAFT.value,
                channel=client.channel,
                outlet=client.outlet_id,
                partner_client=client.id,
                policy_version=version,
                draft_step=5,
                reason=draft.reason.value,
                description=draft.description.strip(),
                created_at=now,
                updated_at=now,
                **_refund_fields(draft.choice, secret_key),
            )
        ).returning(ReturnRequest.id)
        request_id = int(inserted[0]["id"])
        await insert_items(request_id, draft.items)
    return request_id


def encode_cursor(updated_at: datetime, request_id: int) -> str:
    raw = json.dumps([aware_at(updated_at).isoformat(), request_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int] | None:
    """The position a cursor names; None for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        stamp, request_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if when.tzinfo is None or not isinstance(request_id, int) or not 0 < request_id < 2**31:
        return None
    return when, request_id


@dataclass(frozen=True)
class RequestFilter:
    state: State | None = None
    merchant_id: int | None = None
    updated_since: datetime | None = None
    after: tuple[datetime, int] | None = None


async def client_requests(
    client_id: int, wanted: RequestFilter, limit: int
) -> list[dict[str, Any]]:
    """The client's requests (only those it filed), least recently changed first, after the
    cursor: (id, updated_at) each."""
    where: Any = ReturnRequest.partner_client == client_id
    if wanted.state is not None:
        where &= ReturnRequest.state == wanted.state.value
    if wanted.merchant_id is not None:
        where &= ReturnRequest.merchant == wanted.merchant_id
    if wanted.updated_since is not None:
        where &= ReturnRequest.updated_at >= wanted.updated_since
    if wanted.after is not None:
        when, last = wanted.after
        where &= (ReturnRequest.updated_at > when) | (
            (ReturnRequest.updated_at == when) & (ReturnRequest.id > last)
        )
    return await (
        ReturnRequest.select(ReturnRequest.id, ReturnRequest.updated_at)
        .where(where)
        .order_by(ReturnRequest.updated_at)
        .order_by(ReturnRequest.id)
        .limit(limit)
    )


async def request_events(request_id: int, after: int, limit: int) -> list[dict[str, Any]]:
    """The request's events after the cursor (an event's number), oldest first."""
    return await (
        PartnerEvent.select(
            PartnerEvent.id,
            PartnerEvent.event_id,
            PartnerEvent.type,
            PartnerEvent.data,
            PartnerEvent.occurred_at,
        )
        .where((PartnerEvent.request == request_id) & (PartnerEvent.id > after))
        .order_by(PartnerEvent.id)
        .limit(limit)
        .output(load_json=True)
    )


async def rma_of(request_id: int) -> str:
    """The request's RMA ("" for a draft: it has none yet)."""
    row = (
        await ReturnRequest.select(ReturnRequest.rma).where(ReturnRequest.id == request_id).first()
    )
    return str(row["rma"] or "") if row else ""


_FINGERPRINT = (
    "SELECT r.partner_client, r.version,"
    " (SELECT MAX(d.id) FROM document d WHERE d.request_id = r.id) AS last_document"
    " FROM return_request r WHERE r.id = {}"
)


async def api_fingerprint(request_id: int) -> tuple[int | None, int, int] | None:
    """(the client that filed it, its version, its newest document) in one read: whose the
    request is, and what an answer kept for it was made from. None if there is no request."""
    rows = await fetch(_FINGERPRINT, request_id)
    if not rows:
        return None
    row = rows[0]
    client = row["partner_client"]
    return (int(client) if client is not None else None, int(row["version"]),
            int(row["last_document"] or 0))  # fmt: skip
