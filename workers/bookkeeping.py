"""Job bookkeeping: a job keyed by its business identity has its effect once, however often it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from db.tables import JobRecord


async def already_done(key: str) -> bool:
    return await JobRecord.exists().where(JobRecord.key == key)


async def record_done(key: str, job: str, result: str = "") -> None:
    await JobRecord.insert(
        JobRecord(key=key, job=job, result=result, done_at=datetime.now(UTC))
    ).on_conflict(target=JobRecord.key, action="DO NOTHING")


async def once(key: str, job: str, work: Callable[[], Awaitable[str]]) -> bool:
    """Run `work` unless a record says it ran; returns whether it ran this time.

    The record is written after the work, so a crash in between runs the work again on retry
    (at least once); gateways receive the key so that an outside provider can drop a repeat.
    """
    if await already_done(key):
        return False
    result = await work()
    await record_done(key, job, result)
    return True
