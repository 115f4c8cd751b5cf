"""Job claims: a job keyed by its business identity is claimed before its work and completed
after it, so that two workers holding the same key never both do it.

A claim is a lease. A worker that dies mid-job leaves a running claim whose lease runs out;
the next attempt takes it over. Completion also marks the job's outbox row done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from db.engine import engine
from db.outbox import mark_done
from db.snapshots import aware
from db.sql import execute
from db.tables import JobClaim


class ClaimState(StrEnum):
    MINE = "mine"  # go ahead
    BUSY = "busy"  # another worker holds a live lease
    DONE = "done"  # it was done already: nothing to do


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    lease_until: datetime | None = None  # BUSY: when the other worker's lease runs out


# The writes every job makes, as fixed SQL (see db.sql): Piccolo building them cost a busy
# worker more than the database running them.
_CLAIM = (
    'INSERT INTO job_claim ("key", job, status, lease_until, claimed_by, result, started_at)'
    " VALUES ({}, {}, 'running', {}, {}, '', {}) ON CONFLICT (\"key\") DO NOTHING RETURNING id"
)
_COMPLETE = "UPDATE job_claim SET status = 'done', result = {}, finished_at = {} WHERE \"key\" = {}"
# PostgreSQL: the claim and the outbox row in one statement (a WITH that writes runs whole)
_COMPLETE_BOTH = (
    f"WITH claim AS ({_COMPLETE}) UPDATE outbox SET done_at = {{}}, last_error = ''"  # noqa: S608
    ' WHERE "key" = {} AND done_at IS NULL'
)


async def claim_job(key: str, job: str, worker: str, now: datetime, lease: timedelta) -> Claim:
    until = now + lease
    inserted = await execute(_CLAIM, key, job, until, worker, now)
    if inserted:
        return Claim(ClaimState.MINE, until)
    # someone claimed it before: take it over only if they are gone (their lease ran out)
    taken = (
        await JobClaim.update(
            {JobClaim.lease_until: until, JobClaim.claimed_by: worker, JobClaim.started_at: now}
        )
        .where(
            (JobClaim.key == key) & (JobClaim.status == "running") & (JobClaim.lease_until < now)
        )
        .returning(JobClaim.id)
    )
    if taken:
        return Claim(ClaimState.MINE, until)
    row = (
        await JobClaim.select(JobClaim.status, JobClaim.lease_until)
        .where(JobClaim.key == key)
        .first()
    )
    if row is None or row["status"] == "done":
        return Claim(ClaimState.DONE)
    return Claim(ClaimState.BUSY, aware(row["lease_until"]))


async def complete_job(key: str, result: str, now: datetime) -> None:
    """The work is done: the claim says so, and so does the outbox row it came from.

    PostgreSQL writes both in one statement. SQLite makes two quick writes, claim first, with
    no transaction around them (one queued every job's writes behind it): a worker that dies
    between them leaves a done claim and a waiting row, handed over again and then marked
    done by claim_job's DONE."""
    if engine().engine_type == "postgres":
        await execute(_COMPLETE_BOTH, result[:500], now, key, now, key)
        return
    await execute(_COMPLETE, result[:500], now, key)
    await mark_done(key, now)


async def release_job(key: str, worker: str) -> None:
    """The work failed: give up the claim so that the next attempt may take it at once."""
    await JobClaim.delete().where(
        (JobClaim.key == key) & (JobClaim.status == "running") & (JobClaim.claimed_by == worker)
    )


async def job_result(key: str) -> str | None:
    """What a completed job recorded (None while not done)."""
    row = await JobClaim.select(JobClaim.status, JobClaim.result).where(JobClaim.key == key).first()
    return row["result"] if row and row["status"] == "done" else None
