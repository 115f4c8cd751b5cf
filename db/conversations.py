"""Writing the conversation on a request: messages and side cases, one transaction each.

A message changes nothing else on the request (no state, no version): it is a record kept
beside the lifecycle, append-only — there is no edit and no delete here. Files sent with a
message were staged first and are attached in the message's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from db.engine import atomic
from db.errors import Conflict, NotFound
from db.snapshots import load_snapshot
from db.staff_notifications import tell_about_request
from db.staging import attach_staged, staged_ids
from db.tables import Message, SideCase
from db.webhooks import record_partner_event
from domain.attribution import staff_number
from domain.guards import not_theirs
from domain.lifecycle import Actor, Refusal, ReturnSnapshot
from domain.limits import MAX_MESSAGE, too_long
from domain.side_cases import (
    MERCHANT_SIDE,
    SideCaseKind,
    SideCaseRecord,
    SideCaseStatus,
    check_message,
    may_open_side_case,
    may_post_message,
    may_reply_to_side_case,
)
from domain.text import N_, Text


async def post_message(
    request_id: int,
    actor: Actor,
    author_name: str,
    body: str,
    now: datetime,
    *,
    side_case_id: int | None = None,
    staged_files: Sequence[int] = (),
    internal: bool = False,
) -> int | Refusal:
    """Add a message to the request's thread (or to one side case's), or a staff-only note;
    the new message's id."""
    async with atomic():
        snapshot = await load_snapshot(request_id)
        refusal = not_theirs(snapshot, actor) or may_post_message(
            snapshot, actor, internal=internal
        )
        if refusal is None and side_case_id is not None:
            refusal = may_reply_to_side_case(await side_case_record(request_id, side_case_id))
        files = await staged_ids(request_id, actor.id, staged_files)
        refusal = refusal or check_message(body, len(files))
        if refusal is not None:
            return refusal
        message_id = await insert_message(
            request_id,
            side_case_id,
            actor,
            author_name,
            body,
            now,
            internal=internal,
            partner_client=snapshot.partner_client,
        )
        await attach_staged(files, request_id, message_id=message_id)
        if actor.role in MERCHANT_SIDE:
            await tell_about_request(request_id, "merchant_message", now)
        return message_id


async def side_case_record(request_id: int, case_id: int) -> SideCaseRecord:
    """The side case of this request with this id; NotFound for any other."""
    case = await (
        SideCase.select(SideCase.kind, SideCase.status)
        .where((SideCase.id == case_id) & (SideCase.request == request_id))
        .first()
    )
    if case is None:
        raise NotFound(case_id)
    return SideCaseRecord(SideCaseKind(case["kind"]), SideCaseStatus(case["status"]))


async def insert_message(
    request_id: int,
    side_case_id: int | None,
    actor: Actor,
    author_name: str,
    body: str,
    now: datetime,
    *,
    internal: bool = False,
    partner_client: str | None,
) -> int:
    """Append a message; a partner that filed the request (`partner_client`, as its snapshot
    names it) hears of every message the merchant's side may read — never of a staff note."""
    rows = await Message.insert(
        Message(
            request=request_id,
            side_case=side_case_id,
            author_role=actor.role.value,
            author_id=actor.id,
            author_name=author_name,
            body=body.strip(),
            internal=internal,
            created_at=now,
        )
    ).returning(Message.id)
    message_id = int(rows[0]["id"])
    if not internal:
        data = {
            "message_id": message_id,
            "side_case_id": side_case_id,
            "by": actor.role.value,
            "staff_number": staff_number(actor.id),
            "body": body.strip(),
            "at": now.isoformat(),
        }
        await record_partner_event(request_id, partner_client, "message.created", data, now)
    return message_id


async def _may_open(
    request_id: int, snapshot: ReturnSnapshot, kind: SideCaseKind, actor: Actor, body: str
) -> Refusal | None:
    existing = await SideCase.select(SideCase.kind, SideCase.status).where(
        SideCase.request == request_id
    )
    records = [
        SideCaseRecord(SideCaseKind(case["kind"]), SideCaseStatus(case["status"]))
        for case in existing
    ]
    refusal = may_open_side_case(snapshot, kind, actor, records)
    if refusal is None and not body.strip():
        refusal = Refusal("message_required", Text(N_("Please describe the problem.")))
    if refusal is None and len(body.strip()) > MAX_MESSAGE:
        refusal = Refusal("too_long", too_long(MAX_MESSAGE))
    return refusal


async def open_side_case(
    request_id: int,
    kind: SideCaseKind,
    actor: Actor,
    author_name: str,
    body: str,
    now: datetime,
    *,
    expected_version: int,
    staged_files: Sequence[int] = (),
) -> tuple[int, int] | Refusal:
    """Open a logistics problem or fee dispute: (side case id, id of its first message).

    The statement opens the case's own thread as its first message, so files given with it
    attach there and the thread alone is the whole record. A stale version raises Conflict.
    """
    async with atomic():
        snapshot = await load_snapshot(request_id)  # NotFound if there is no such request
        if snapshot.version != expected_version:
            raise Conflict(request_id)
        refusal = await _may_open(request_id, snapshot, kind, actor, body)
        if refusal is not None:
            return refusal
        rows = await SideCase.insert(
            SideCase(
                request=request_id,
                kind=kind.value,
                status=SideCaseStatus.OPEN.value,
                body=body.strip(),
                opened_by=actor.id,
                created_at=now,
            )
        ).returning(SideCase.id)
        case_id = int(rows[0]["id"])
        message_id = await insert_message(
            request_id,
            case_id,
            actor,
            author_name,
            body,
            now,
            partner_client=snapshot.partner_client,
        )
        files = await staged_ids(request_id, actor.id, staged_files)
        await attach_staged(files, request_id, message_id=message_id)
        await tell_about_request(request_id, kind.value, now)
        return case_id, message_id
