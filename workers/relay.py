"""The outbox relay: hands due outbox rows to arq, one pass at a time across every worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from arq.connections import ArqRedis
from redis.exceptions import LockError, RedisError

from db.outbox import HANDOVER_LEASE, begin_handover, due_rows, reopen_handovers, undo_handover

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
    handed = 0
    for row in await due_rows(jobs, datetime.now(UTC), lost_after=lost_after, limit=RELAY_BATCH):
        handover = await begin_handover(row, datetime.now(UTC))
        if handover is None:
            continue
        # Only the key travels (and shows in worker logs); the job reads its payload from the
        # row. The job id is per attempt, so a retry is never refused as a duplicate.
        try:
            await redis.enqueue_job(handover.job, handover.key, _job_id=handover.job_id)
        except (RedisError, OSError):
            await undo_handover(handover)
            raise
        handed += 1
    return handed


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
