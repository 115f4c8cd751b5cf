"""Running a keyed job once: claim it, do the work, record completion — or record the failure
so that the outbox retries it with backoff. One structured log line per run."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from arq import Retry

from db.jobs import ClaimState, claim_job, complete_job, release_job
from db.outbox import mark_done, mark_failed

log = logging.getLogger("returndesk.jobs")

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
DEFAULT_LEASE = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


def _bookkeeping_failed(ctx: dict[str, Any]) -> Retry:
    """The database did not take the job's own records (down, read-only, locked): arq tries
    again soon, and if arq gives up, the outbox hands the row over again later."""
    return Retry(defer=min(60, 5 * int(ctx.get("job_try", 1))))


async def run_once(
    ctx: dict[str, Any],
    key: str,
    job: str,
    work: Callable[[], Awaitable[str]],
) -> str:
    """Do `work` for `key` unless it is done or another worker is doing it; its result."""
    lease: timedelta = ctx.get("job_lease", DEFAULT_LEASE)
    started = time.monotonic()
    attempt = int(ctx.get("job_try", 1))
    try:
        claim = await claim_job(key, job, WORKER_NAME, _now(), lease)
        if claim.state is ClaimState.DONE:
            await mark_done(key, _now())
            return _logged(job, key, attempt, started, "done before")
    except Exception as error:
        _logged(job, key, attempt, started, f"retry: database: {type(error).__name__}")
        raise _bookkeeping_failed(ctx) from error
    if claim.state is ClaimState.BUSY:
        # another worker holds it; look again once its lease runs out
        wait = (claim.lease_until or _now()) - _now()
        _logged(job, key, attempt, started, "busy elsewhere")
        raise Retry(defer=max(1.0, wait.total_seconds() + 1))
    try:
        result = await work()
    except Retry:
        raise
    except Exception as error:
        return await _failed(ctx, key, job, attempt, started, error)
    try:
        await complete_job(key, result, _now())
    except Exception as error:
        _logged(job, key, attempt, started, f"retry: not recorded: {type(error).__name__}")
        raise _bookkeeping_failed(ctx) from error
    return _logged(job, key, attempt, started, result)


async def _failed(
    ctx: dict[str, Any], key: str, job: str, attempt: int, started: float, error: Exception
) -> str:
    reason = f"{type(error).__name__}: {error}"[:500]
    try:
        await release_job(key, WORKER_NAME)
        dead = await mark_failed(key, reason, _now())
    except Exception as bookkeeping:
        _logged(job, key, attempt, started, f"retry: {reason}")
        raise _bookkeeping_failed(ctx) from bookkeeping
    return _logged(job, key, attempt, started, ("dead: " if dead else "failed: ") + reason)


def _logged(job: str, key: str, attempt: int, started: float, result: str) -> str:
    duration = (time.monotonic() - started) * 1000
    log.info("job=%s key=%s try=%d duration_ms=%.0f result=%s", job, key, attempt, duration, result)
    return result
