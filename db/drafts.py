"""Return-request drafts: the merchant's orders to choose from, and the draft saved after every step.

Every function takes the merchant's id and touches only that merchant's rows: a draft or order
of someone else reads as None / False, which the web layer answers with 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.crypto import encrypt_account
from db.engine import atomic, for_update, reading
from db.evidence import stored_names
from db.files import FileStore
from db.policies import current_policy, ensure_policy
from db.returns import Applied, apply_action
from db.snapshots import RequestRows, read_request, serial_holders
from db.tables import IdempotencyRecord, ReturnItem, ReturnRequest
from domain.lifecycle import Action, Actor, Command, HeldSerial, Refusal, ReturnSnapshot, Role
from domain.return_form import ChosenItem, ResolutionChoice, account_last4
from domain.terms import Reason, Resolution, State


@dataclass(frozen=True)
class DraftItem:
    order_item_id: int
    quantity: int
    serial_number: str | None
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Draft:
    """The form's view of a request: its snapshot (state, reason, resolution, items as domain/
    reads them) and what the form shows and fills in besides."""

    id: int
    snapshot: ReturnSnapshot
    order_id: int
    rma: str | None
    draft_step: int
    description: str
    refund_method: str
    refund_account_holder: str
    refund_bank: str
    refund_account_last4: str
    contact_phone: str
    items: tuple[DraftItem, ...]

    @property
    def is_draft(self) -> bool:
        return self.snapshot.state is State.DRAFT

    @property
    def merchant_id(self) -> int:
        return self.snapshot.merchant_id

    @property
    def reason(self) -> Reason | None:
        return self.snapshot.reason

    @property
    def resolution(self) -> Resolution:
        return self.snapshot.resolution

    @property
    def has_refund_account(self) -> bool:
        return bool(self.refund_account_last4)


def _draft(rows: RequestRows) -> Draft:
    row = rows.row
    return Draft(
        id=row["id"],
        snapshot=rows.snapshot,
        order_id=row["order"],
        rma=row["rma"],
        draft_step=row["draft_step"],
        description=row["description"],
        refund_method=row["refund_method"],
        refund_account_holder=row["refund_account_holder"],
        refund_bank=row["refund_bank"],
        refund_account_last4=row["refund_account_last4"],
        contact_phone=row["contact_phone"],
        items=tuple(
            DraftItem(
                order_item_id=item["order_item.id"],
                quantity=item["quantity"],
                serial_number=item["serial_number"],
                name_zh=item["order_item.product.name_zh"],
                name_en=item["order_item.product.name_en"],
            )
            for item in rows.items
        ),
    )


async def held_serials(serials: list[str], except_request: int = 0) -> dict[str, HeldSerial]:
    """Which SNs (of a draft being filled in) another request already holds."""
    return await serial_holders(except_request, serials)


async def latest_draft_id(merchant_id: int) -> int | None:
    row = await (
        ReturnRequest.select(ReturnRequest.id)
        .where((ReturnRequest.merchant == merchant_id) & (ReturnRequest.state == State.DRAFT))
        .order_by(ReturnRequest.updated_at, ascending=False)
        .order_by(ReturnRequest.id, ascending=False)
        .first()
    )
    return int(row["id"]) if row else None


async def load_draft(request_id: int, merchant_id: int) -> Draft | None:
    """The merchant's request (in any state: a submitted one is answered with its page)."""
    async with reading():
        owner = (
            await ReturnRequest.select(ReturnRequest.merchant)
            .where(ReturnRequest.id == request_id)
            .first()
        )
        if owner is None or owner["merchant"] != merchant_id:
            return None
        return _draft(await read_request(request_id))


def merchant_client(merchant_id: int) -> str:
    """Whose idempotency keys these are: a merchant's never collide with a partner's."""
    return f"merchant:{merchant_id}"


async def create_draft(
    merchant_id: int,
    order_id: int,
    items: list[ChosenItem],
    idempotency_key: str,
    contact_phone: str,
    now: datetime,
) -> int:
    """A new web draft with its items, at step 2. The same key again from the same merchant (a
    double tap, a retried post) returns the draft that key made."""
    key = idempotency_key.strip()[:64]
    version = (await current_policy())[0] or await ensure_policy()
    async with atomic():
        existing = await _claim_key(merchant_client(merchant_id), key, now) if key else None
        if existing is not None:
            return existing
        inserted = await ReturnRequest.insert(
            ReturnRequest(
                merchant=merchant_id,
                order=order_id,
                state=State.DRAFT.value,
                channel="web",
                policy_version=version,
                draft_step=2,
                contact_phone=contact_phone,
                created_at=now,
                updated_at=now,
            )
        ).returning(ReturnRequest.id)
        request_id = int(inserted[0]["id"])
        await insert_items(request_id, items)
        if key:
            await IdempotencyRecord.update(
                {
                    IdempotencyRecord.request: request_id,
                    IdempotencyRecord.response: {"id": request_id},
                }
            ).where(
                (IdempotencyRecord.client == merchant_client(merchant_id))
                & (IdempotencyRecord.key == key)
            )
    return request_id


async def _claim_key(client: str, key: str, now: datetime) -> int | None:
    """Record the key as used; the request it made before, if it was used already."""
    fresh = (
        await IdempotencyRecord.insert(IdempotencyRecord(client=client, key=key, created_at=now))
        .on_conflict(action="DO NOTHING")
        .returning(IdempotencyRecord.id)
    )
    return None if fresh else await _made_with(client, key)


async def _made_with(client: str, key: str) -> int | None:
    row = (
        await IdempotencyRecord.select(IdempotencyRecord.request)
        .where((IdempotencyRecord.client == client) & (IdempotencyRecord.key == key))
        .first()
    )
    return int(row["request"]) if row and row["request"] is not None else None


async def insert_items(request_id: int, items: list[ChosenItem]) -> None:
    if items:
        await ReturnItem.insert(
            *[
                ReturnItem(
                    request=request_id,
                    order_item=item.order_item_id,
                    quantity=item.quantity,
                    serial_number=item.serial_number,
                )
                for item in items
            ]
        )


async def _update_draft(
    request_id: int, merchant_id: int, values: dict[Any, Any], reached: int, now: datetime
) -> bool:
    """Write fields of a draft (only while it is one) and remember the furthest step reached.
    Call inside atomic(): the row is locked from the read on, so two saves of one draft (two
    taps, two tabs) queue and both land, the last one last; a submit meanwhile wins and the
    save finds no draft."""
    draft = ReturnRequest.select(ReturnRequest.draft_step, ReturnRequest.version).where(
        (ReturnRequest.id == request_id)
        & (ReturnRequest.merchant == merchant_id)
        & (ReturnRequest.state == State.DRAFT)
    )
    row = await for_update(draft).first()
    if row is None:
        return False
    values = {
        **values,
        ReturnRequest.draft_step: max(row["draft_step"], reached),
        ReturnRequest.version: row["version"] + 1,  # a submit racing an edit gets a Conflict
        ReturnRequest.updated_at: now,
    }
    updated = (
        await ReturnRequest.update(values)
        .where((ReturnRequest.id == request_id) & (ReturnRequest.version == row["version"]))
        .returning(ReturnRequest.id)
    )
    return bool(updated)


async def save_items(
    request_id: int, merchant_id: int, order_id: int, items: list[ChosenItem], now: datetime
) -> bool:
    async with atomic():
        if not await _update_draft(
            request_id, merchant_id, {ReturnRequest.order: order_id}, 2, now
        ):
            return False
        await ReturnItem.delete().where(ReturnItem.request == request_id)
        await insert_items(request_id, items)
    return True


async def save_reason(
    request_id: int, merchant_id: int, reason: Reason, description: str, now: datetime
) -> bool:
    async with atomic():
        return await _update_draft(
            request_id,
            merchant_id,
            {ReturnRequest.reason: reason.value, ReturnRequest.description: description.strip()},
            3,
            now,
        )


async def mark_reached(request_id: int, merchant_id: int, step: int, now: datetime) -> bool:
    async with atomic():
        return await _update_draft(request_id, merchant_id, {}, step, now)


async def save_resolution(
    request_id: int, merchant_id: int, choice: ResolutionChoice, secret_key: str, now: datetime
) -> bool:
    """Store step 4; a new account number is stored encrypted, only its last four in clear."""
    method = choice.refund_method.value if choice.refund_method else ""
    bank_transfer = method == "bank_transfer"
    values: dict[Any, Any] = {
        ReturnRequest.resolution: choice.resolution.value,
        ReturnRequest.refund_method: method,
        ReturnRequest.contact_phone: choice.contact_phone,
        ReturnRequest.refund_account_holder: choice.account_holder if bank_transfer else "",
        ReturnRequest.refund_bank: choice.bank if bank_transfer else "",
    }
    if method not in ("bank_transfer", "alipay"):
        values[ReturnRequest.refund_account_enc] = ""
        values[ReturnRequest.refund_account_last4] = ""
    elif choice.account:
        values[ReturnRequest.refund_account_enc] = encrypt_account(secret_key, choice.account)
        values[ReturnRequest.refund_account_last4] = account_last4(choice.account)
    async with atomic():
        return await _update_draft(request_id, merchant_id, values, 5, now)


def merchant_actor(merchant_id: int) -> Actor:
    return Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)


async def submit_draft(
    request_id: int, merchant_id: int, merchant_name: str, now: datetime
) -> Applied | Refusal:
    return await apply_action(
        request_id,
        Command(Action.SUBMIT),
        merchant_actor(merchant_id),
        now,
        actor_name=merchant_name,
    )


async def discard_draft(
    request_id: int, merchant_id: int, store: FileStore, now: datetime
) -> Applied | Refusal:
    """Discard a draft (nothing kept): the row goes, its files are removed from the file store."""
    names = await stored_names(request_id)
    result = await apply_action(
        request_id, Command(Action.DISCARD), merchant_actor(merchant_id), now
    )
    if not isinstance(result, Refusal):
        await store.delete(names)
    return result
