"""Return-request drafts: the merchant's orders to choose from, and the draft saved after every step.

Every function takes the merchant's id and touches only that merchant's rows: a draft or order
of someone else reads as None / False, which the web layer answers with 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.crypto import encrypt_account
from db.engine import atomic
from db.evidence import remove_stored_files, stored_names
from db.returns import Applied, apply_action, current_policy, ensure_policy
from db.tables import Order, OrderItem, ReturnItem, ReturnRequest
from domain.lifecycle import Action, Actor, Command, Refusal, Role
from domain.policy import Eligibility, check_eligibility
from domain.return_form import ChosenItem, OrderLine, ResolutionChoice, account_last4
from domain.terms import Reason, State


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything ReturnDesk stores is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LineView:
    order_item_id: int
    product_id: int
    name_zh: str
    name_en: str
    category: str
    has_serial: bool
    quantity: int
    serial_number: str | None

    def as_order_line(self) -> OrderLine:
        return OrderLine(
            self.order_item_id, self.product_id, self.has_serial, self.quantity, self.serial_number
        )


@dataclass(frozen=True)
class OrderView:
    id: int
    order_no: str
    completed_at: datetime
    eligibility: Eligibility
    lines: tuple[LineView, ...]


@dataclass(frozen=True)
class DraftItem:
    order_item_id: int
    quantity: int
    serial_number: str | None
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Draft:
    id: int
    merchant_id: int
    order_id: int
    state: State
    rma: str | None
    draft_step: int
    idempotency_key: str | None
    reason: Reason | None
    description: str
    resolution: str
    refund_method: str
    refund_account_holder: str
    refund_bank: str
    refund_account_last4: str
    has_refund_account: bool
    contact_phone: str
    items: tuple[DraftItem, ...]

    @property
    def is_draft(self) -> bool:
        return self.state is State.DRAFT


async def _orders(merchant_id: int, now: datetime, where: Any = None) -> list[OrderView]:
    condition = Order.merchant == merchant_id
    if where is not None:
        condition &= where
    orders = await Order.select(Order.id, Order.order_no, Order.completed_at).where(condition)
    if not orders:
        return []
    lines = await (
        OrderItem.select(
            OrderItem.id,
            OrderItem.order,
            OrderItem.quantity,
            OrderItem.serial_number,
            OrderItem.product.id,
            OrderItem.product.name_zh,
            OrderItem.product.name_en,
            OrderItem.product.has_serial,
            OrderItem.product.category.key,  # type: ignore[union-attr]
        )
        .where(OrderItem.order.is_in([order["id"] for order in orders]))
        .order_by(OrderItem.id)
    )
    _, policy = await current_policy()
    views = []
    for order in orders:
        own = tuple(
            LineView(
                order_item_id=line["id"],
                product_id=line["product.id"],
                name_zh=line["product.name_zh"],
                name_en=line["product.name_en"],
                category=line["product.category.key"],
                has_serial=bool(line["product.has_serial"]),
                quantity=line["quantity"],
                serial_number=line["serial_number"],
            )
            for line in lines
            if line["order"] == order["id"]
        )
        completed_at = _aware(order["completed_at"])
        views.append(
            OrderView(
                id=order["id"],
                order_no=order["order_no"],
                completed_at=completed_at,
                eligibility=check_eligibility(
                    completed_at, [line.category for line in own], policy, now
                ),
                lines=own,
            )
        )
    views.sort(key=lambda view: view.completed_at, reverse=True)
    return views


async def merchant_orders(merchant_id: int, now: datetime) -> list[OrderView]:
    """The merchant's orders, newest first, each with whether it may still be returned."""
    return await _orders(merchant_id, now)


async def merchant_order(
    merchant_id: int, now: datetime, *, order_no: str | None = None, order_id: int | None = None
) -> OrderView | None:
    """One order of this merchant, by number (as typed, case and spaces forgiven) or by id."""
    if order_id is not None:
        found = await _orders(merchant_id, now, Order.id == order_id)
    else:
        typed = "".join((order_no or "").split()).upper()
        if not typed:
            return None
        found = await _orders(merchant_id, now, Order.order_no == typed)
    return found[0] if found else None


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
    row = (
        await ReturnRequest.select()
        .where((ReturnRequest.id == request_id) & (ReturnRequest.merchant == merchant_id))
        .first()
    )
    if row is None:
        return None
    items = await (
        ReturnItem.select(
            ReturnItem.order_item,
            ReturnItem.quantity,
            ReturnItem.serial_number,
            ReturnItem.order_item.product.name_zh,  # type: ignore[union-attr]
            ReturnItem.order_item.product.name_en,  # type: ignore[union-attr]
        )
        .where(ReturnItem.request == request_id)
        .order_by(ReturnItem.id)
    )
    return Draft(
        id=row["id"],
        merchant_id=row["merchant"],
        order_id=row["order"],
        state=State(row["state"]),
        rma=row["rma"],
        draft_step=row["draft_step"],
        idempotency_key=row["idempotency_key"],
        reason=Reason(row["reason"]) if row["reason"] else None,
        description=row["description"],
        resolution=row["resolution"],
        refund_method=row["refund_method"],
        refund_account_holder=row["refund_account_holder"],
        refund_bank=row["refund_bank"],
        refund_account_last4=row["refund_account_last4"],
        has_refund_account=bool(row["refund_account_enc"]),
        contact_phone=row["contact_phone"],
        items=tuple(
            DraftItem(
                order_item_id=item["order_item"],
                quantity=item["quantity"],
                serial_number=item["serial_number"],
                name_zh=item["order_item.product.name_zh"],
                name_en=item["order_item.product.name_en"],
            )
            for item in items
        ),
    )


async def _by_key(idempotency_key: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await ReturnRequest.select(ReturnRequest.id, ReturnRequest.merchant)
        .where(ReturnRequest.idempotency_key == idempotency_key)
        .first()
    )
    return row


async def create_draft(
    merchant_id: int,
    order_id: int,
    items: list[ChosenItem],
    idempotency_key: str,
    contact_phone: str,
    now: datetime,
) -> int | None:
    """A new web draft with its items, at step 2. The same key again (a double tap, a retried
    post) returns the draft already made; a key used by another merchant gives None."""
    key = idempotency_key[:64] or None
    if key is not None:
        existing = await _by_key(key)
        if existing is not None:
            return int(existing["id"]) if existing["merchant"] == merchant_id else None
    version, _ = await current_policy()
    version = version or await ensure_policy()
    try:
        async with atomic():
            inserted = await ReturnRequest.insert(
                ReturnRequest(
                    merchant=merchant_id,
                    order=order_id,
                    state=State.DRAFT.value,
                    channel="web",
                    policy_version=version,
                    draft_step=2,
                    idempotency_key=key,
                    contact_phone=contact_phone,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(ReturnRequest.id)
            request_id = int(inserted[0]["id"])
            await _insert_items(request_id, items)
    except Exception:
        # two posts with one key at the same moment: the unique key lets one in; the other finds it
        existing = await _by_key(key) if key else None
        if existing is None:
            raise
        return int(existing["id"]) if existing["merchant"] == merchant_id else None
    return request_id


async def _insert_items(request_id: int, items: list[ChosenItem]) -> None:
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
    """Write fields of a draft (only while it is one) and remember the furthest step reached."""
    row = (
        await ReturnRequest.select(ReturnRequest.draft_step, ReturnRequest.version)
        .where(
            (ReturnRequest.id == request_id)
            & (ReturnRequest.merchant == merchant_id)
            & (ReturnRequest.state == State.DRAFT)
        )
        .first()
    )
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
        await _insert_items(request_id, items)
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
    values: dict[Any, Any] = {
        ReturnRequest.resolution: choice.resolution.value,
        ReturnRequest.refund_method: method,
        ReturnRequest.contact_phone: choice.contact_phone,
        ReturnRequest.refund_account_holder: choice.account_holder
        if method == "bank_transfer"
        else "",
        ReturnRequest.refund_bank: choice.bank if method == "bank_transfer" else "",
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
    request_id: int, merchant_id: int, files_dir: Path, now: datetime
) -> Applied | Refusal:
    """Discard a draft (nothing kept): the row goes, its files are removed from the file store."""
    names = await stored_names(request_id)
    result = await apply_action(
        request_id, Command(Action.DISCARD), merchant_actor(merchant_id), now
    )
    if not isinstance(result, Refusal):
        await remove_stored_files(files_dir, names)
    return result
