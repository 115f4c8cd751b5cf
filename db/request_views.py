"""What a request page reads, on one connection in a handful of queries: the request and its
snapshot, items, files, timeline, messages and side cases. Read-only; what the merchant's side
reads leaves out staff notes and their files (domain.file_access)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db import sql
from db.engine import reading
from db.evidence import place_of
from db.snapshots import (
    RequestRows,
    aware,
    aware_at,
    items_of,
    policy_of,
    request_row,
    snapshot_from,
)
from db.sql import TERMINAL_FACTS, fetch
from db.tables import ReturnRequest
from domain.file_access import Audience, shown_to
from domain.kept_facts import UnitFacts, changed_since_submit
from domain.lifecycle import ReturnSnapshot
from domain.side_cases import SideCaseKind, SideCaseRecord, SideCaseStatus
from domain.terms import Action, Role, State
from domain.text import Text


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
    tid: str
    activated: bool
    bound: bool


@dataclass(frozen=True)
class RequestDetails:
    """The request as a page shows it: its snapshot (state, dates, decisions, as domain/ reads
    them) and the words and files around it."""

    id: int
    rma: str
    snapshot: ReturnSnapshot
    order_no: str
    description: str
    items: tuple[ItemLine, ...]
    refund_method: str
    refund_bank: str
    refund_account_last4: str
    contact_phone: str
    channel: str
    risk_score: int
    risk_findings: tuple[dict[str, Any], ...]
    evidence: tuple[Attachment, ...]  # files given with the request itself
    changed_since_submit: tuple[Text, ...] = ()  # the provider's data now differs (staff only)


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    action: Action
    from_state: State
    to_state: State | None
    actor_role: Role
    actor_id: str
    actor_name: str
    message: str
    reason_code: str
    at: datetime
    files: tuple[Attachment, ...]


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    author_role: Role
    author_id: str  # "staff:3", "merchant:1": what a merchant is shown (domain.attribution)
    author_name: str  # shown on the staff side only
    body: str
    at: datetime
    files: tuple[Attachment, ...]
    internal: bool = False


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
class RequestPage:
    details: RequestDetails
    timeline: tuple[TimelineEntry, ...]  # newest first
    thread: tuple[ThreadMessage, ...]  # the main conversation, oldest first
    side_cases: tuple[SideCaseView, ...]  # newest first, each with its thread
    last_message_id: int  # newest message the reader may see, side cases included

    @property
    def snapshot(self) -> ReturnSnapshot:
        return self.details.snapshot


def _attachment(row: dict[str, Any]) -> Attachment:
    return Attachment(row["id"], row["kind"], row["original_name"], bool(row["thumb_name"]))


def _changed_since_submit(rows: RequestRows) -> list[Text]:
    row = rows.row
    units = []
    for item in rows.items:
        kept = item["kept_terminal"]
        kept = json.loads(kept) if isinstance(kept, str) else (kept or {})
        now = {name: item[f"terminal.{name}"] for name in TERMINAL_FACTS}
        label = item["order_item.product.name_zh"] + (
            f" SN {item['serial_number']}" if item["serial_number"] else ""
        )
        units.append(UnitFacts(label, item["serial_number"], item["kept_unit_price_fen"],
                               item["order_item.now_unit_price_fen"], kept,
                               now if item["terminal.tid"] is not None else {}))  # fmt: skip
    return changed_since_submit(
        aware(row["kept_completed_at"]), aware_at(row["order.now_completed_at"]),
        row["kept_paid_total_fen"], row["order.now_paid_total_fen"], units,
    )  # fmt: skip


def _details(rows: RequestRows, files: list[dict[str, Any]]) -> RequestDetails:
    row = rows.row
    return RequestDetails(
        id=row["id"],
        rma=row["rma"] or "",
        snapshot=rows.snapshot,
        order_no=row["order.order_no"],
        description=row["description"],
        items=tuple(
            ItemLine(
                name_zh=item["order_item.product.name_zh"],
                name_en=item["order_item.product.name_en"],
                quantity=item["quantity"],
                serial_number=item["serial_number"],
                tid=item["terminal.tid"] or "",
                activated=bool(item["terminal.activated"]),
                bound=bool(item["terminal.bound"]),
            )
            for item in rows.items
        ),
        refund_method=row["refund_method"],
        refund_bank=row["refund_bank"],
        refund_account_last4=row["refund_account_last4"],
        contact_phone=row["contact_phone"],
        channel=row["channel"],
        risk_score=row["risk_score"],
        risk_findings=tuple(row["risk_findings"] or ()),
        evidence=tuple(
            _attachment(f) for f in files if f["event"] is None and f["message"] is None
        ),
        changed_since_submit=tuple(_changed_since_submit(rows)),
    )


def _entry(row: dict[str, Any], files: dict[int, list[Attachment]]) -> TimelineEntry:
    return TimelineEntry(
        id=row["id"],
        action=Action(row["action"]),
        from_state=State(row["from_state"]),
        to_state=State(row["to_state"]) if row["to_state"] else None,
        actor_role=Role(row["actor_role"]),
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        message=row["message"],
        reason_code=row["reason_code"],
        at=aware_at(row["at"]),
        files=tuple(files.get(row["id"], ())),
    )


def _message(row: dict[str, Any], files: dict[int, list[Attachment]]) -> ThreadMessage:
    return ThreadMessage(
        id=row["id"],
        author_role=Role(row["author_role"]),
        author_id=row["author_id"],
        author_name=row["author_name"],
        body=row["body"],
        at=aware_at(row["created_at"]),
        files=tuple(files.get(row["id"], ())),
        internal=bool(row["internal"]),
    )


def _side_case(row: dict[str, Any], messages: list[ThreadMessage]) -> SideCaseView:
    return SideCaseView(
        id=row["id"],
        kind=SideCaseKind(row["kind"]),
        status=SideCaseStatus(row["status"]),
        body=row["body"],
        outcome=row["outcome"],
        created_at=aware_at(row["created_at"]),
        resolved_at=aware(row["resolved_at"]),
        messages=tuple(messages),
    )


def _by(rows: list[dict[str, Any]], column: str) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    for row in rows:
        if row[column] is not None:
            found.setdefault(row[column], []).append(_attachment(row))
    return found


async def request_page(request_id: int, audience: Audience = Audience.MERCHANT) -> RequestPage:
    """Everything a request page shows to this audience, read in six queries on one connection."""
    staff = audience is Audience.STAFF
    async with reading():
        row = await request_row(request_id)
        if row is None:
            raise LookupError(request_id)
        items = await items_of(request_id)
        rows = RequestRows(row, items, snapshot_from(row, items, await policy_of(row)))
        files = await fetch(sql.FILES_OF_REQUEST, request_id)
        events = await fetch(sql.EVENTS_OF_REQUEST, request_id)
        messages = await fetch(sql.MESSAGES_OF_REQUEST, request_id, False, staff)
        cases = await fetch(sql.SIDE_CASES_OF_REQUEST, request_id)
    files = [f for f in files if shown_to(place_of(f), audience)]
    by_message, by_event = _by(files, "message"), _by(files, "event")
    main: list[ThreadMessage] = []
    by_case: dict[int, list[ThreadMessage]] = {}
    for raw in messages:
        message = _message(raw, by_message)
        if raw["side_case"] is None:
            main.append(message)
        else:
            by_case.setdefault(raw["side_case"], []).append(message)
    return RequestPage(
        details=_details(rows, files),
        timeline=tuple(_entry(event, by_event) for event in events),
        thread=tuple(main),
        side_cases=tuple(_side_case(case, by_case.get(case["id"], [])) for case in cases),
        last_message_id=max((m["id"] for m in messages if not m["internal"]), default=0),
    )


async def merchant_request_id(rma: str, merchant_id: int) -> tuple[int, int] | None:
    """(id, version) of this merchant's request with this RMA; None for anyone else's or none."""
    row = await (
        ReturnRequest.select(ReturnRequest.id, ReturnRequest.version)
        .where((ReturnRequest.rma == rma) & (ReturnRequest.merchant == merchant_id))
        .first()
    )
    return (int(row["id"]), int(row["version"])) if row else None


async def request_fingerprint(rma: str, merchant_id: int) -> tuple[int, int, int, int] | None:
    """(id, version, newest visible message id, newest document id) of this merchant's request,
    in one query: what the request page's poller compares and its kept copy is keyed by. None
    for anyone else's request or none."""
    rows = await fetch(sql.FINGERPRINT, False, rma, merchant_id)
    return _fingerprint(rows[0]) if rows else None


def _fingerprint(row: dict[str, Any]) -> tuple[int, int, int, int]:
    return (int(row["id"]), int(row["version"]), int(row["last_message"] or 0),
            int(row["last_document"] or 0))  # fmt: skip


async def request_page_fingerprint(
    rma: str, merchant_id: int
) -> tuple[tuple[int, int, int, int], int] | None:
    """request_fingerprint's answer, and how many of the merchant's notifications about this
    request are unread: one query for the page, which writes only when there are some."""
    rows = await fetch(sql.PAGE_FINGERPRINT, False, rma, merchant_id)
    return (_fingerprint(rows[0]), int(rows[0]["unread_here"] or 0)) if rows else None


async def request_id_of(rma: str) -> tuple[int, int] | None:
    """(id, version) of the request with this RMA, whoever's it is (staff views check access
    with domain.guards.not_theirs once they have its snapshot)."""
    row = await (
        ReturnRequest.select(ReturnRequest.id, ReturnRequest.version)
        .where(ReturnRequest.rma == rma)
        .first()
    )
    return (int(row["id"]), int(row["version"])) if row else None


async def refund_account(request_id: int) -> tuple[str, str, str]:
    """(holder, bank, sealed account number) of the request's refund account."""
    row = await (
        ReturnRequest.select(
            ReturnRequest.refund_account_holder,
            ReturnRequest.refund_bank,
            ReturnRequest.refund_account_enc,
        )
        .where(ReturnRequest.id == request_id)
        .first()
    )
    if row is None:
        return "", "", ""
    return (str(row["refund_account_holder"]), str(row["refund_bank"]),
            str(row["refund_account_enc"]))  # fmt: skip
