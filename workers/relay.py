"""The outbox relay: hands due outbox rows to arq, one pass at a time across every worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from arq.constants import job_key_prefix
from arq.jobs import serialize_job
from redis.exceptions import LockError, RedisError

from db.outbox import (
    HANDOVER_LEASE,
    Handover,
    begin_handovers,
    due_rows,
    reopen_handovers,
    undo_handover,
)

log = logging.getLogger("returndesk.relay")

RELAY_LOCK = "returndesk:relay"
# Set once in Redis; missing means Redis lost its data (restarted empty, flushed) and with it
# every job it held: the rows handed over and not done are handed over again at once.
QUEUE_MARKER = "returndesk:queue-kept"
RELAY_BATCH = 100  # rows per pass (db.outbox.due_rows' limit)


async def relay_once(
    redis: ArqRedis, jobs: set[str], lost_after: timedelta = HANDOVER_LEASE
) -> int:
    """One pass: enqueue due rows, oldest first; 0 if another worker's pass is running."""
    # N workers would otherwise read the outbox N times a tick and race for the same rows
    lock = redis.lock(RELAY_LOCK, timeout=5, blocking=False)  # a dead worker holds it 5 s at most
    if not await lock.acquire():
        return 0
    try:
        if await redis.set(QUEUE_MARKER, datetime.now(UTC).isoformat(), nx=True):
            reopened = await reopen_handovers()
            if reopened:
                log.warning("the queue lost its jobs; %d outbox rows handed over again", reopened)
        return await _hand_over(redis, jobs, lost_after)
    finally:
        # the pass may have outlived the lock's timeout, and another pass begun
        with contextlib.suppress(LockError):
            await lock.release()


async def _hand_over(redis: ArqRedis, jobs: set[str], lost_after: timedelta) -> int:
    now = datetime.now(UTC)
    rows = await due_rows(jobs, now, lost_after=lost_after, limit=RELAY_BATCH)
    handovers = await begin_handovers(rows, now, lost_after=lost_after)
    if not handovers:
        return 0
    try:
        await _enqueue(redis, handovers)
    except (RedisError, OSError):
        for handover in handovers:  # the attempts are not spent: the rows wait for a pass
            await undo_handover(handover)
        raise
    return len(handovers)


async def _enqueue(redis: ArqRedis, handovers: list[Handover]) -> None:
    """The batch's jobs in one Redis transaction, written as arq's enqueue_job writes one
    (its job record and its place in the queue). One call per job made four round trips each,
    and on a worker busy with jobs those were a third of the SMS pipeline's time.

    Only the key travels (and shows in worker logs), with the id of the request that added the
    row (for the job's log lines); the job reads its payload from the row.
    The job id is per attempt, so a retry is never taken for a duplicate; arq's own check for
    one is not needed: a job that runs twice finds its claim done (workers.runner)."""
    enqueued_ms = int(datetime.now(UTC).timestamp() * 1000)
    async with redis.pipeline(transaction=True) as pipe:
        for handover in handovers:
            arguments = (handover.key, handover.request_id)
            record = serialize_job(handover.job, arguments, {}, None, enqueued_ms,
                                   serializer=redis.job_serializer)  # fmt: skip
            pipe.psetex(job_key_prefix + handover.job_id, redis.expires_extra_ms, record)
            pipe.zadd(redis.default_queue_name, {handover.job_id: enqueued_ms})
        await pipe.execute()


async def relay_forever(
    redis: ArqRedis, jobs: set[str], lost_after: timedelta, interval: float = 0.2
) -> None:
    while True:
        handed = 0
        try:
            handed = await relay_once(redis, jobs, lost_after)
        except (RedisError, OSError) as error:
            log.warning("queue unavailable, outbox rows wait: %s", error)
            await asyncio.sleep(2)
        except Exception:
            log.exception("outbox relay pass failed; the rows wait for the next pass")
            await asyncio.sleep(2)
        if handed < RELAY_BATCH:  # a full batch means more wait: hand them over at once
            await asyncio.sleep(interval)
