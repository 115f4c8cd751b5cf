"""Reading a return request as domain/ sees it: one mapping from rows to a ReturnSnapshot, used
by the store in its transaction and by every page that asks domain/ what is allowed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db import sql
from db.errors import NotFound
from db.policies import current_policy, policy_version
from db.sql import fetch
from db.tables import EvidenceFile, SerialClaim
from domain.lifecycle import (
    AppealOf,
    FeePayer,
    HeldSerial,
    ItemSnapshot,
    Reason,
    Resolution,
    ReturnSnapshot,
    State,
)
from domain.money import Money
from domain.terms import ItemReceipt


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything ReturnDesk stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def moment(value: Any) -> datetime | None:
    """A stored time as any read hands it back, UTC-aware: SQLite gives text where the query
    computed the value (MIN(at)) rather than read a column."""
    if value is None or isinstance(value, datetime):
        return aware(value)
    return aware(datetime.fromisoformat(str(value)))


def aware_at(value: datetime) -> datetime:
    """`aware` for a column that is never NULL."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RequestRows:
    """What one request was read as; the views of each page are built from it."""

    row: dict[str, Any]
    items: list[dict[str, Any]]
    snapshot: ReturnSnapshot


def _item(row: dict[str, Any]) -> ItemSnapshot:
    return ItemSnapshot(
        product_category=row["order_item.product.category.key"],
        unit_price=Money(row["order_item.unit_price_fen"]),
        quantity=row["quantity"],
        serial_number=row["serial_number"],
        order_item_id=row["order_item.id"],
    )


def _receipts(stored: Any) -> tuple[tuple[int, ItemReceipt], ...]:
    """{"12": "missing"} as the row keeps it (JSON text from SQLite's plain reads)."""
    found = json.loads(stored) if isinstance(stored, str) else (stored or {})
    return tuple((int(item), ItemReceipt(status)) for item, status in sorted(found.items()))


def _money_or_none(fen: int | None) -> Money | None:
    return Money(fen) if fen is not None else None


def snapshot_from(
    row: dict[str, Any],
    items: list[dict[str, Any]],
    policy: Any,
    *,
    evidence_count: int = 0,
    serial_holders: dict[str, HeldSerial] | None = None,
) -> ReturnSnapshot:
    """The one mapping from a request row (db.sql.REQUEST) and its items to a snapshot."""
    return ReturnSnapshot(
        state=State(row["state"]),
        version=row["version"],
        merchant_id=row["merchant"],
        resolution=Resolution(row["resolution"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        items=tuple(_item(item) for item in items),
        # the request's own copy or the order's: COALESCE hands SQLite's text back
        order_completed_at=aware_at(moment(row["order.completed_at"])),  # type: ignore[arg-type]
        paid_total=Money(row["order.paid_total_fen"]),
        policy=policy,
        evidence_count=evidence_count,
        risk_score=row["risk_score"] or 0,
        serial_holders=serial_holders or {},
        channel=row["channel"],
        outlet_id=row["outlet"],
        partner_client=f"partner:{row['partner_client']}" if row["partner_client"] else None,
        submitted_at=aware(row["submitted_at"]),
        review_due_at=aware(row["review_due_at"]),
        fee_payer=FeePayer(row["fee_payer"]) if row["fee_payer"] else None,
        ship_by=aware(row["ship_by"]),
        shipped_at=aware(row["shipped_at"]),
        rejected_at=aware(row["rejected_at"]),
        appeal_deadline=aware(row["appeal_deadline"]),
        appeal_of=AppealOf(row["appeal_of"]) if row["appeal_of"] else None,
        appealed_at=aware(row["appealed_at"]),
        appeal_due_at=aware(row["appeal_due_at"]),
        decided_by=row["decided_by"],
        appealed=frozenset(AppealOf(kind) for kind in row["appealed"].split(",") if kind),
        inspection_failed_final=row["inspection_failed_final"],
        outcome_accepted=row["outcome_accepted"],
        refunded_at=aware(row["refunded_at"]),
        refund_due_by=aware(row["refund_due_by"]),
        refund_amount=_money_or_none(row["refund_amount_fen"]),
        shipping_advanced=Money(row["shipping_advanced_fen"]),
        invoice_issued=row["order.invoice_issued"],
        **_goods_and_payment(row),
    )


def _goods_and_payment(row: dict[str, Any]) -> dict[str, Any]:
    """The parcels, what the warehouse found and the refund's records."""
    return {
        "carrier": row["carrier"],
        "tracking_number": row["tracking_number"],
        "payment_reference": row["payment_reference"],
        "invoice_reversal": row["invoice_reversal"],
        "receipts": _receipts(row["receipt"]),
        "replacement_serial": row["replacement_serial"],
    }


async def request_row(request_id: int) -> dict[str, Any] | None:
    rows = await fetch(sql.REQUEST_BY_ID, request_id, json_columns=("risk_findings",))
    return rows[0] if rows else None


async def items_of(request_id: int) -> list[dict[str, Any]]:
    return await fetch(sql.ITEMS_OF_REQUEST, request_id)


async def policy_of(row: dict[str, Any]) -> Any:
    """A draft is judged by today's rules; a submitted request keeps its version's."""
    if row["state"] == State.DRAFT.value:
        return (await current_policy())[1]
    return await policy_version(row["policy_version"])


async def serial_holders(request_id: int, serials: list[str]) -> dict[str, HeldSerial]:
    """Which of these SNs another request holds the claim on, and whether it may still be
    appealed (then the merchant appeals it instead of filing again)."""
    if not serials:
        return {}
    rows = await SerialClaim.select(
        SerialClaim.serial_number,
        SerialClaim.request.rma,
        SerialClaim.request.state,
        SerialClaim.request.appeal_deadline,
        SerialClaim.request.appealed,
    ).where(SerialClaim.serial_number.is_in(serials) & (SerialClaim.request != request_id))
    now = datetime.now(UTC)
    holders = {}
    for row in rows:
        state = State(row["request.state"])
        deadline = aware(row["request.appeal_deadline"])
        appealable = (
            state is State.REJECTED
            and AppealOf.REJECTION.value not in row["request.appealed"].split(",")
            and deadline is not None
            and now <= deadline
        )
        holders[row["serial_number"]] = HeldSerial(
            row["request.rma"] or "", state, appealable=appealable
        )
    return holders


async def evidence_count(request_id: int) -> int:
    count: int = await EvidenceFile.count().where(EvidenceFile.request == request_id)
    return count


async def read_request(request_id: int, *, for_submit: bool = False) -> RequestRows:
    """The request, its items and its snapshot; NotFound if there is none.

    Only a submit needs the serial claims of other requests and the evidence count."""
    row = await request_row(request_id)
    if row is None:
        raise NotFound(request_id)
    items = await items_of(request_id)
    policy = await policy_of(row)
    extra: dict[str, Any] = {}
    if for_submit or row["state"] == State.DRAFT.value:
        serials = [item["serial_number"] for item in items if item["serial_number"]]
        extra["serial_holders"] = await serial_holders(request_id, serials)
        extra["evidence_count"] = await evidence_count(request_id)
    return RequestRows(row, items, snapshot_from(row, items, policy, **extra))


async def load_snapshot(request_id: int) -> ReturnSnapshot:
    """The request as domain/ sees it, for read-only use (offering actions, next steps)."""
    return (await read_request(request_id)).snapshot
