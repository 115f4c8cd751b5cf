"""What a request page reads: the request's details, its timeline, its messages and side cases,
and the public tracking view. Read-only; every merchant query is scoped to that merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.tables import (
    Event,
    EvidenceFile,
    Message,
    ReturnItem,
    ReturnRequest,
    SideCase,
)
from domain.money import Money
from domain.side_cases import SideCaseKind, SideCaseRecord, SideCaseStatus
from domain.terms import Action, FeePayer, Reason, Resolution, Role, State


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything ReturnDesk stores is UTC.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _at(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Attachment:
    id: int
    kind: str  # "image" or "pdf"
    original_name: str
    has_thumb: bool


@dataclass(frozen=True)
class ItemLine:
    name_zh: str
    name_en: str
    quantity: int
    serial_number: str | None


@dataclass(frozen=True)
class RequestDetails:
    id: int
    rma: str
    merchant_id: int
    state: State
    version: int
    resolution: Resolution
    reason: Reason | None
    description: str
    order_no: str
    items: tuple[ItemLine, ...]
    refund_method: str
    refund_bank: str
    refund_account_last4: str
    fee_payer: FeePayer | None
    submitted_at: datetime | None
    ship_by: datetime | None
    carrier: str
    tracking_number: str
    refund_amount: Money | None
    evidence: tuple[Attachment, ...]  # files given with the request itself


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    action: Action
    from_state: State
    to_state: State | None
    actor_role: Role
    actor_name: str
    message: str
    at: datetime
    files: tuple[Attachment, ...]


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    author_role: Role
    author_name: str
    body: str
    at: datetime
    files: tuple[Attachment, ...]


@dataclass(frozen=True)
class SideCaseView:
    id: int
    kind: SideCaseKind
    status: SideCaseStatus
    body: str
    outcome: str
    created_at: datetime
    resolved_at: datetime | None
    messages: tuple[ThreadMessage, ...] = ()

    @property
    def record(self) -> SideCaseRecord:
        return SideCaseRecord(self.kind, self.status)


@dataclass(frozen=True)
class StateChange:
    state: State
    at: datetime


@dataclass(frozen=True)
class PublicStatus:
    """What /track may show anyone holding the RMA and the phone's last four: nothing private."""

    rma: str
    state: State
    changes: tuple[StateChange, ...]  # newest first


async def merchant_request_id(rma: str, merchant_id: int) -> tuple[int, int] | None:
    """(id, version) of this merchant's request with this RMA; None for anyone else's or none."""
    row = await (
        ReturnRequest.select(ReturnRequest.id, ReturnRequest.version)
        .where((ReturnRequest.rma == rma) & (ReturnRequest.merchant == merchant_id))
        .first()
    )
    return (int(row["id"]), int(row["version"])) if row else None


async def request_details(request_id: int) -> RequestDetails:
    row = await (
        ReturnRequest.select(
            *ReturnRequest.all_columns(exclude=[ReturnRequest.refund_account_enc]),
            ReturnRequest.order.order_no,
        )
        .where(ReturnRequest.id == request_id)
        .first()
    )
    if row is None:
        raise LookupError(request_id)
    items = await ReturnItem.select(
        ReturnItem.quantity,
        ReturnItem.serial_number,
        ReturnItem.order_item.product.name_zh,  # type: ignore[union-attr]
        ReturnItem.order_item.product.name_en,  # type: ignore[union-attr]
    ).where(ReturnItem.request == request_id)
    files = await _files(
        (EvidenceFile.request == request_id)
        & EvidenceFile.event.is_null()
        & EvidenceFile.message.is_null()
    )
    return RequestDetails(
        id=row["id"],
        rma=row["rma"] or "",
        merchant_id=row["merchant"],
        state=State(row["state"]),
        version=row["version"],
        resolution=Resolution(row["resolution"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        description=row["description"],
        order_no=row["order.order_no"],
        items=tuple(
            ItemLine(
                name_zh=item["order_item.product.name_zh"],
                name_en=item["order_item.product.name_en"],
                quantity=item["quantity"],
                serial_number=item["serial_number"],
            )
            for item in items
        ),
        refund_method=row["refund_method"],
        refund_bank=row["refund_bank"],
        refund_account_last4=row["refund_account_last4"],
        fee_payer=FeePayer(row["fee_payer"]) if row["fee_payer"] else None,
        submitted_at=_aware(row["submitted_at"]),
        ship_by=_aware(row["ship_by"]),
        carrier=row["carrier"],
        tracking_number=row["tracking_number"],
        refund_amount=(
            Money(row["refund_amount_fen"]) if row["refund_amount_fen"] is not None else None
        ),
        evidence=tuple(files),
    )


async def _files(where: Any) -> list[Attachment]:
    rows = await (
        EvidenceFile.select(
            EvidenceFile.id,
            EvidenceFile.kind,
            EvidenceFile.original_name,
            EvidenceFile.thumb_name,
        )
        .where(where)
        .order_by(EvidenceFile.id)
    )
    return [_attachment(row) for row in rows]


def _attachment(row: dict[str, Any]) -> Attachment:
    return Attachment(row["id"], row["kind"], row["original_name"], bool(row["thumb_name"]))


async def _files_by(column: Any, ids: list[int]) -> dict[int, list[Attachment]]:
    if not ids:
        return {}
    rows = await (
        EvidenceFile.select(
            EvidenceFile.id,
            column.as_alias("owner"),
            EvidenceFile.kind,
            EvidenceFile.original_name,
            EvidenceFile.thumb_name,
        )
        .where(column.is_in(ids))
        .order_by(EvidenceFile.id)
    )
    found: dict[int, list[Attachment]] = {}
    for row in rows:
        found.setdefault(row["owner"], []).append(_attachment(row))
    return found


async def timeline(request_id: int) -> list[TimelineEntry]:
    """Every event on the request, newest first, with the files given with it."""
    rows = await (
        Event.select()
        .where(Event.request == request_id)
        .order_by(Event.at, ascending=False)
        .order_by(Event.id, ascending=False)
    )
    files = await _files_by(EvidenceFile.event, [row["id"] for row in rows])
    return [
        TimelineEntry(
            id=row["id"],
            action=Action(row["action"]),
            from_state=State(row["from_state"]),
            to_state=State(row["to_state"]) if row["to_state"] else None,
            actor_role=Role(row["actor_role"]),
            actor_name=row["actor_name"],
            message=row["message"],
            at=_at(row["at"]),
            files=tuple(files.get(row["id"], ())),
        )
        for row in rows
    ]


async def _messages(where: Any) -> list[ThreadMessage]:
    # internal notes are for staff only: they never leave this module towards a merchant page
    rows = await (
        Message.select()
        .where(where & (Message.internal == False))  # noqa: E712 - a SQL comparison
        .order_by(Message.created_at)
        .order_by(Message.id)
    )
    files = await _files_by(EvidenceFile.message, [row["id"] for row in rows])
    return [
        ThreadMessage(
            id=row["id"],
            author_role=Role(row["author_role"]),
            author_name=row["author_name"],
            body=row["body"],
            at=_at(row["created_at"]),
            files=tuple(files.get(row["id"], ())),
        )
        for row in rows
    ]


async def conversation(request_id: int) -> list[ThreadMessage]:
    """The merchant ↔ customer-service thread of the request (not side cases), oldest first."""
    return await _messages((Message.request == request_id) & Message.side_case.is_null())


async def last_message_id(request_id: int) -> int:
    """The newest message a merchant can see on the request, side cases included (0: none)."""
    row = await (
        Message.select(Message.id)
        .where((Message.request == request_id) & (Message.internal == False))  # noqa: E712
        .order_by(Message.id, ascending=False)
        .first()
    )
    return int(row["id"]) if row else 0


def _side_case(row: dict[str, Any], messages: list[ThreadMessage]) -> SideCaseView:
    return SideCaseView(
        id=row["id"],
        kind=SideCaseKind(row["kind"]),
        status=SideCaseStatus(row["status"]),
        body=row["body"],
        outcome=row["outcome"],
        created_at=_at(row["created_at"]),
        resolved_at=_aware(row["resolved_at"]),
        messages=tuple(messages),
    )


async def side_cases(request_id: int) -> list[SideCaseView]:
    """The request's side cases, newest first, without their threads."""
    rows = await (
        SideCase.select()
        .where(SideCase.request == request_id)
        .order_by(SideCase.id, ascending=False)
    )
    return [_side_case(row, []) for row in rows]


async def side_case(request_id: int, case_id: int) -> SideCaseView | None:
    """One side case of the request with its thread; None if it is not on this request."""
    row = await (
        SideCase.select().where((SideCase.id == case_id) & (SideCase.request == request_id)).first()
    )
    if row is None:
        return None
    messages = await _messages((Message.request == request_id) & (Message.side_case == case_id))
    return _side_case(row, messages)


async def public_status(rma: str, phone_last4: str) -> PublicStatus | None:
    """The state and dated state changes of a request, if the four digits end the merchant's
    phone or the request's contact phone; None otherwise, the same for a wrong RMA."""
    if len(phone_last4) != 4 or not phone_last4.isdigit():
        return None
    row = await (
        ReturnRequest.select(
            ReturnRequest.id,
            ReturnRequest.rma,
            ReturnRequest.state,
            ReturnRequest.contact_phone,
            ReturnRequest.merchant.phone,
        )
        .where(ReturnRequest.rma == rma)
        .first()
    )
    if row is None:
        return None
    phones = [row["merchant.phone"] or "", row["contact_phone"] or ""]
    if not any(len(p) >= 4 and p[-4:] == phone_last4 for p in phones):
        return None
    events = await (
        Event.select(Event.from_state, Event.to_state, Event.at)
        .where(Event.request == row["id"])
        .order_by(Event.at, ascending=False)
        .order_by(Event.id, ascending=False)
    )
    changes = tuple(
        StateChange(State(event["to_state"]), _at(event["at"]))
        for event in events
        if event["to_state"] and event["to_state"] != event["from_state"]
    )
    return PublicStatus(rma=row["rma"], state=State(row["state"]), changes=changes)
