"""The outbox relay: hands due outbox rows to arq, one pass at a time across every worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from redis.exceptions import LockError, RedisError

from db.outbox import (
    HANDOVER_LEASE,
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
    # Only the key travels (and shows in worker logs); the job reads its payload from the
    # row. The job id is per attempt, so a retry is never refused as a duplicate. The batch
    # is enqueued at once: one by one, each waited its turn on a loop busy with jobs.
    sent = await asyncio.gather(
        *(redis.enqueue_job(h.job, h.key, _job_id=h.job_id) for h in handovers),
        return_exceptions=True,
    )
    refused = [(h, error) for h, error in zip(handovers, sent, strict=True)
               if isinstance(error, BaseException)]  # fmt: skip
    for handover, _error in refused:  # the attempt is not spent: the row waits for a pass
        await undo_handover(handover)
    if refused:
        raise refused[0][1]
    return len(handovers)


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
