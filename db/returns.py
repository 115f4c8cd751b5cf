"""The return-request store: load → let domain decide → write state, event and outbox in one
transaction, with the version checked by the database."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from db.effects import Decided, SerialTaken, write_effects
from db.engine import atomic
from db.errors import Conflict, NotFound
from db.policies import current_policy
from db.risk_facts import risk_at_submit
from db.snapshots import RequestRows, read_request
from db.staff_notifications import tell_about_request
from db.staging import attach_staged, staged_ids
from db.tables import Event, ReturnRequest
from domain.approvals import AUTO_APPROVED
from domain.lifecycle import (
    Action,
    Actor,
    Changes,
    Command,
    Decision,
    Refusal,
    Role,
    State,
    apply,
    decide,
    queue_deadline,
)
from domain.rma import make_rma
from domain.staff_notices import TOLD_OF_ACTIONS

AUTO_APPROVER = Actor(Role.SYSTEM, "system:auto-approval")

__all__ = ["Applied", "Conflict", "NotFound", "apply_action"]


@dataclass(frozen=True)
class Applied:
    request_id: int
    rma: str | None
    state: State | None
    version: int
    event_id: int


async def apply_action(
    request_id: int,
    command: Command,
    actor: Actor,
    now: datetime,
    *,
    expected_version: int | None = None,
    actor_name: str = "",
    staged_files: Sequence[int] = (),
) -> Applied | Refusal:
    """Apply one domain action atomically. A stale `expected_version` raises Conflict.

    `staged_files` are files this actor uploaded with the action: they are attached in the
    same transaction, and the guards count only those that really attach."""
    try:
        return await _apply(
            request_id, command, actor, now, expected_version, actor_name, staged_files
        )
    except SerialTaken:
        # Another submit claimed a unit between our read and our write, and the database
        # refused the second claim. Asked again, domain/ now sees the claim and says whose.
        return await _apply(
            request_id, command, actor, now, expected_version, actor_name, staged_files
        )


async def _apply(
    request_id: int,
    command: Command,
    actor: Actor,
    now: datetime,
    expected_version: int | None,
    actor_name: str,
    staged_files: Sequence[int],
) -> Applied | Refusal:
    async with atomic():
        rows = await read_request(request_id, for_submit=command.action is Action.SUBMIT)
        if expected_version is not None and rows.row["version"] != expected_version:
            raise Conflict(request_id)
        snapshot = rows.snapshot
        policy_version = rows.row["policy_version"]
        if command.action is Action.SUBMIT:
            policy_version, policy = await current_policy()
            snapshot = replace(snapshot, policy=policy)
        staged = await staged_ids(request_id, actor.id, staged_files)
        command = replace(command, added_evidence=len(staged))
        decision = decide(snapshot, command, actor, now)
        if isinstance(decision, Refusal):
            return decision
        applied = await _write(rows, decision, actor, actor_name, now, policy_version, staged)
        if command.action is Action.SUBMIT and snapshot.policy.auto_approve_low_risk:
            return await _auto_approve(applied, now, policy_version) or applied
        return applied


async def _auto_approve(submitted: Applied, now: datetime, policy_version: int) -> Applied | None:
    """In the submit's transaction: approve as the system where domain/ allows it (low risk,
    evidence, auto-approval on); None leaves the request for a reviewer."""
    rows = await read_request(submitted.request_id, for_submit=True)
    command = Command(Action.APPROVE, reason_code=AUTO_APPROVED)
    decision = decide(rows.snapshot, command, AUTO_APPROVER, now)
    if isinstance(decision, Refusal):
        return None
    return await _write(rows, decision, AUTO_APPROVER, "", now, policy_version, [])


async def _write(
    rows: RequestRows,
    decision: Decision,
    actor: Actor,
    actor_name: str,
    now: datetime,
    policy_version: int,
    staged: list[int],
) -> Applied:
    row, request_id = rows.row, rows.row["id"]
    if decision.new_state is None:  # a discarded draft leaves nothing behind
        deleted = (
            await ReturnRequest.delete()
            .where((ReturnRequest.id == request_id) & (ReturnRequest.version == row["version"]))
            .returning(ReturnRequest.id)
        )
        if not deleted:
            raise Conflict(request_id)
        return Applied(request_id, None, None, row["version"] + 1, 0)

    after = apply(rows.snapshot, decision)
    values = _changed_columns(decision.changes)
    values[ReturnRequest.state] = decision.new_state.value
    values[ReturnRequest.version] = after.version
    values[ReturnRequest.updated_at] = now
    values[ReturnRequest.due_at] = queue_deadline(after)
    rma = row["rma"]
    if decision.event.action is Action.SUBMIT:
        rma = rma or make_rma(now, os.urandom(10))
        values[ReturnRequest.rma] = rma
        values[ReturnRequest.policy_version] = policy_version
        risk = await risk_at_submit(rows, now)
        values[ReturnRequest.risk_score] = risk.score
        values[ReturnRequest.risk_findings] = risk.stored
    updated = (
        await ReturnRequest.update(values)
        .where((ReturnRequest.id == request_id) & (ReturnRequest.version == row["version"]))
        .returning(ReturnRequest.id)
    )
    if not updated:
        raise Conflict(request_id)
    event_id = await _record_event(request_id, decision, actor, actor_name, now)
    await attach_staged(staged, request_id, event_id=event_id)
    await write_effects(Decided(rows, after, rma, decision, event_id, now))
    if told := TOLD_OF_ACTIONS.get(decision.event.action):
        await tell_about_request(request_id, told, now)
    return Applied(request_id, rma, decision.new_state, after.version, event_id)


def _changed_columns(changes: Changes) -> dict[Any, Any]:
    """Map the decision's Changes onto ReturnRequest columns (Money → fen, sets → text)."""
    values: dict[Any, Any] = {}
    for field in fields(changes):
        value = getattr(changes, field.name)
        if value is None:
            continue
        if field.name == "refund_amount":
            values[ReturnRequest.refund_amount_fen] = value.fen
        elif field.name == "receipts":
            values[ReturnRequest.receipt] = {str(item): status.value for item, status in value}
        elif field.name == "appealed":
            values[ReturnRequest.appealed] = ",".join(sorted(kind.value for kind in value))
        else:
            values[getattr(ReturnRequest, field.name)] = getattr(value, "value", value)
    return values


async def _record_event(
    request_id: int, decision: Decision, actor: Actor, actor_name: str, now: datetime
) -> int:
    event = decision.event
    inserted = await Event.insert(
        Event(
            request=request_id,
            action=event.action.value,
            from_state=event.from_state.value,
            to_state=event.to_state.value if event.to_state else None,
            actor_role=actor.role.value,
            actor_id=actor.id,
            actor_name=actor_name,
            message=event.message,
            reason_code=event.reason_code,
            at=now,
        )
    ).returning(Event.id)
    return int(inserted[0]["id"])
