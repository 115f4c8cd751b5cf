"""The outbox relay: hands committed work to arq, keyed so that handing it twice queues it once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from arq.connections import ArqRedis
from redis.exceptions import RedisError

from db.outbox import due_rows, mark_handed_over

log = logging.getLogger("returndesk.relay")


async def relay_once(redis: ArqRedis, jobs: set[str]) -> int:
    """One pass: enqueue due rows, oldest first. If Redis fails, the rest wait for the next pass."""
    handed = 0
    for row in await due_rows(jobs, datetime.now(UTC)):
        # The outbox key is the job id: arq refuses a second job with an id it still holds.
        # Only the key travels (and shows in worker logs); the job reads its payload from the row.
        await redis.enqueue_job(row["job"], row["key"], _job_id=row["key"])
        await mark_handed_over(row["id"], datetime.now(UTC))
        handed += 1
    return handed


async def relay_forever(redis: ArqRedis, jobs: set[str], interval: float = 0.2) -> None:
    while True:
        try:
            await relay_once(redis, jobs)
        except (RedisError, OSError) as error:
            log.warning("queue unavailable, outbox rows wait: %s", error)
            await asyncio.sleep(2)
        except Exception:
            log.exception("outbox relay pass failed")
            await asyncio.sleep(2)
        await asyncio.sleep(interval)
