"""The outbox: work a committed change implies, written in the change's own transaction.

A row is the truth about its work. It is handed to the queue (each hand-over is one attempt,
under its own job id), done only when its job records completion, handed over again when a
hand-over was lost (Redis emptied, a worker killed), retried with backoff when its job fails,
and dead — kept, counted, retryable — after its last attempt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from db.sql import execute, fetch
from db.staff_notifications import alert_dead_work
from db.tables import GatewayMessage, OutboxRow
from domain.webhooks import RETRY_JITTER, RETRY_WAITS
from logs import REQUEST_ID

MAX_ATTEMPTS = 8
# wait before attempt n + 1 after attempt n failed: minutes first, then hours
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)


@dataclass(frozen=True)
class RetrySchedule:
    """How a job's row is tried again: `waits[n - 1]` after attempt n failed, each stretched
    or shrunk at random by up to `jitter` (a share of it); dead after the last."""

    waits: tuple[timedelta, ...]
    jitter: float = 0.0

    @property
    def max_attempts(self) -> int:
        return len(self.waits) + 1

    def wait_after(self, attempt: int) -> timedelta:
        wait = self.waits[min(max(attempt, 1), len(self.waits)) - 1]
        return wait * (1 + self.jitter * random.uniform(-1, 1))


DEFAULT_SCHEDULE = RetrySchedule(BACKOFF)
# jobs whose work wants its own schedule: a partner's receiver may be down for a day
SCHEDULES = {"deliver_webhook": RetrySchedule(RETRY_WAITS, RETRY_JITTER)}


def schedule_of(job: str) -> RetrySchedule:
    return SCHEDULES.get(job, DEFAULT_SCHEDULE)


# a row handed over this long ago and neither done nor failed was lost on the way: hand it again
HANDOVER_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Handover:
    id: int
    key: str
    job: str
    attempt: int  # 1 for the first hand-over
    request_id: str = ""  # the web request that added the row

    @property
    def job_id(self) -> str:
        """Unique per attempt: arq keeps a finished job's id for an hour and would refuse it."""
        return f"{self.key}#{self.attempt}"


async def add_to_outbox(*, key: str, job: str, payload: dict[str, Any], due_at: datetime) -> None:
    """Queue work by its business key; the same key twice is the same work, kept once. The row
    keeps the id of the web request that added it, for its job's log lines."""
    row = OutboxRow(key=key, job=job, payload=payload, due_at=due_at, request_id=REQUEST_ID.get())
    await OutboxRow.insert(row).on_conflict(target=OutboxRow.key, action="DO NOTHING")


def _waiting() -> Any:
    return OutboxRow.done_at.is_null() & OutboxRow.dead_at.is_null()


def _due(now: datetime, lost_after: timedelta) -> Any:
    """Due, not done, not dead, and never handed over or handed over so long ago
    (`lost_after`) that the hand-over was lost."""
    lost = now - lost_after
    return (
        _waiting()
        & (OutboxRow.due_at <= now)
        & (OutboxRow.handed_over_at.is_null() | (OutboxRow.handed_over_at < lost))
    )


async def due_rows(
    jobs: set[str], now: datetime, *, lost_after: timedelta = HANDOVER_LEASE, limit: int = 100
) -> list[dict[str, Any]]:
    """Rows to hand over now, oldest first; only jobs a worker knows."""
    return await (
        OutboxRow.select(OutboxRow.id, OutboxRow.key, OutboxRow.job, OutboxRow.attempts)
        .where(_due(now, lost_after) & OutboxRow.job.is_in(list(jobs)))
        .order_by(OutboxRow.due_at)
        .order_by(OutboxRow.id)
        .limit(limit)
    )


async def begin_handovers(
    rows: list[dict[str, Any]], now: datetime, *, lost_after: timedelta = HANDOVER_LEASE
) -> list[Handover]:
    """Count each row's attempt before enqueueing it — one statement for the whole batch, so
    a busy worker's relay keeps ahead of its jobs. Left out: rows another relay took or a job
    finished meanwhile (no longer due), and rows already handed over as often as they may be
    (those are buried: dead)."""
    fresh = []
    for row in rows:
        if int(row["attempts"]) >= schedule_of(row["job"]).max_attempts:
            await _bury(row["key"], now, f"lost {row['attempts']} times on the way to a worker")
        else:
            fresh.append(int(row["id"]))
    if not fresh:
        return []
    taken = await (
        OutboxRow.update(
            {OutboxRow.handed_over_at: now, OutboxRow.attempts: OutboxRow.attempts + 1}
        )
        .where(OutboxRow.id.is_in(fresh) & _due(now, lost_after))
        .returning(
            OutboxRow.id, OutboxRow.key, OutboxRow.job, OutboxRow.attempts, OutboxRow.request_id
        )
    )
    order = {row_id: n for n, row_id in enumerate(fresh)}  # RETURNING keeps no order
    return [
        Handover(int(row["id"]), row["key"], row["job"], int(row["attempts"]), row["request_id"])
        for row in sorted(taken, key=lambda row: order[int(row["id"])])
    ]


async def undo_handover(handover: Handover) -> None:
    """The queue refused the job (Redis down): the row waits for the next pass, attempt unspent."""
    await OutboxRow.update(
        {OutboxRow.handed_over_at: None, OutboxRow.attempts: handover.attempt - 1}
    ).where((OutboxRow.id == handover.id) & (OutboxRow.attempts == handover.attempt))


async def reopen_handovers() -> int:
    """The queue lost what it held: every row handed over and not done waits to go again."""
    reopened = (
        await OutboxRow.update({OutboxRow.handed_over_at: None})
        .where(_waiting() & OutboxRow.handed_over_at.is_not_null())
        .returning(OutboxRow.id)
    )
    return len(reopened)


async def payload_of(key: str) -> dict[str, Any] | None:
    """What the row's job needs (every job reads it: fixed SQL, as db.sql's reads)."""
    rows = await fetch(
        'SELECT payload FROM outbox WHERE "key" = {}', key, json_columns=("payload",)
    )
    return dict(rows[0]["payload"]) if rows else None


async def replace_payload(key: str, payload: dict[str, Any]) -> None:
    """E.g. drop a sign-in code from the row once it is sent."""
    await OutboxRow.update({OutboxRow.payload: payload}).where(OutboxRow.key == key)


async def mark_done(key: str, now: datetime) -> None:
    await execute(  # every job ends here: fixed SQL, as payload_of
        """UPDATE outbox SET done_at = {}, last_error = '' WHERE "key" = {} AND done_at IS NULL""",
        now,
        key,
    )


async def mark_failed(
    key: str, error: str, now: datetime, *, not_before: datetime | None = None
) -> bool:
    """An attempt failed: retry after the job's backoff (and not before `not_before`, when the
    other side said when to come back), or bury the row after its last attempt. Returns
    whether it is dead now."""
    row = (
        await OutboxRow.select(OutboxRow.attempts, OutboxRow.job)
        .where(OutboxRow.key == key)
        .first()
    )
    if row is None:
        return False
    attempts, schedule = int(row["attempts"]), schedule_of(row["job"])
    if attempts >= schedule.max_attempts:
        await _bury(key, now, error)
        return True
    due = now + schedule.wait_after(attempts)
    await OutboxRow.update(
        {
            OutboxRow.due_at: max(due, not_before) if not_before else due,
            OutboxRow.handed_over_at: None,
            OutboxRow.last_error: error[:2000],
        }
    ).where((OutboxRow.key == key) & _waiting())
    return False


async def postpone(key: str, until: datetime) -> None:
    """The job may not begin yet (it waits for other work): its row is due again at `until`,
    and the hand-over that brought it is not counted as an attempt."""
    await OutboxRow.update(
        {
            OutboxRow.due_at: until,
            OutboxRow.handed_over_at: None,
            OutboxRow.attempts: OutboxRow.attempts - 1,
        }
    ).where((OutboxRow.key == key) & _waiting() & (OutboxRow.attempts > 0))


async def _bury(key: str, now: datetime, error: str) -> None:
    buried = (
        await OutboxRow.update({OutboxRow.dead_at: now, OutboxRow.last_error: error[:2000]})
        .where((OutboxRow.key == key) & _waiting())
        .returning(OutboxRow.id)
    )
    if buried:
        await alert_dead_work(now)


@dataclass(frozen=True)
class OutboxHealth:
    waiting: int  # not yet done
    overdue: int  # waiting, and due more than HANDOVER_LEASE ago
    dead: int


async def outbox_health(now: datetime) -> OutboxHealth:
    waiting = await OutboxRow.count().where(_waiting())
    overdue = await OutboxRow.count().where(_waiting() & (OutboxRow.due_at < now - HANDOVER_LEASE))
    dead = await OutboxRow.count().where(OutboxRow.dead_at.is_not_null())
    return OutboxHealth(waiting, overdue, dead)


_LISTED = (
    OutboxRow.id,
    OutboxRow.key,
    OutboxRow.job,
    OutboxRow.attempts,
    OutboxRow.last_error,
    OutboxRow.due_at,
    OutboxRow.dead_at,
    OutboxRow.created_at,
)


async def dead_rows(limit: int = 100) -> list[dict[str, Any]]:
    return await (
        OutboxRow.select(*_LISTED)
        .where(OutboxRow.dead_at.is_not_null())
        .order_by(OutboxRow.dead_at, ascending=False)
        .limit(limit)
    )


async def overdue_rows(now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Work still waiting long after it was due: the queue or the workers are not taking it."""
    return await (
        OutboxRow.select(*_LISTED)
        .where(_waiting() & (OutboxRow.due_at < now - HANDOVER_LEASE))
        .order_by(OutboxRow.due_at)
        .limit(limit)
    )


async def _revive(which: Any, now: datetime) -> list[dict[str, Any]]:
    """Dead rows (those `which` names, or all) given a fresh set of attempts, from now."""
    dead = OutboxRow.dead_at.is_not_null()
    return await (
        OutboxRow.update(
            {
                OutboxRow.dead_at: None,
                OutboxRow.attempts: 0,
                OutboxRow.due_at: now,
                OutboxRow.handed_over_at: None,
            }
        )
        .where(dead if which is None else which & dead)
        .returning(OutboxRow.id)
    )


async def retry_dead(key: str, now: datetime) -> bool:
    """Give a dead row a fresh set of attempts, from now."""
    return bool(await _revive(OutboxRow.key == key, now))


async def retry_all_dead(now: datetime) -> int:
    """Every dead row revived, as retry_dead does for one; how many."""
    return len(await _revive(None, now))


async def dev_outbox_messages(limit: int = 50) -> list[dict[str, Any]]:
    """What the development gateway kept instead of sending, newest first (for /dev/outbox)."""
    return await (
        GatewayMessage.select()
        .where(GatewayMessage.gateway == "dev_outbox")
        .order_by(GatewayMessage.id, ascending=False)
        .limit(limit)
    )
