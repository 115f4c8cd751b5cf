"""Running a keyed job once: claim it, do the work, record completion — or record the failure
so that the outbox retries it with backoff, or put the work off when it may not begin yet.
One structured log line per run."""

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
from db.outbox import mark_done, mark_failed, postpone
from logs import REQUEST_ID

log = logging.getLogger("returndesk.jobs")

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
DEFAULT_LEASE = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


class Postponed(Exception):
    """Raised by a job's work that may not begin yet (it waits for other work): nothing was
    done, its outbox row is due again at `until`, and no attempt is spent."""

    def __init__(self, until: datetime, why: str) -> None:
        super().__init__(why)
        self.until = until


class WorkFailed(Exception):
    """Raised by a job's work that failed where the other side said when to come back: the
    outbox's next try is no sooner than `not_before`."""

    def __init__(self, reason: str, *, not_before: datetime | None = None) -> None:
        super().__init__(reason)
        self.not_before = not_before


def _bookkeeping_failed(ctx: dict[str, Any]) -> Retry:
    """The database did not take the job's own records (down, read-only, locked): arq tries
    again soon, and if arq gives up, the outbox hands the row over again later."""
    return Retry(defer=min(60, 5 * int(ctx.get("job_try", 1))))


async def run_once(
    ctx: dict[str, Any],
    key: str,
    job: str,
    work: Callable[[], Awaitable[str]],
    *,
    on_dead: Callable[[], Awaitable[None]] | None = None,
    request_id: str = "",
) -> str:
    """Do `work` for `key` unless it is done or another worker is doing it; its result.
    `on_dead` runs when a failure was the row's last attempt (the job's own records follow).
    Its log lines carry `request_id`, the web request whose change it carries out."""
    token = REQUEST_ID.set(request_id)
    try:
        return await _run_once(ctx, key, job, work, on_dead)
    finally:
        REQUEST_ID.reset(token)


async def _run_once(
    ctx: dict[str, Any],
    key: str,
    job: str,
    work: Callable[[], Awaitable[str]],
    on_dead: Callable[[], Awaitable[None]] | None,
) -> str:
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
    except Postponed as later:
        return await _postponed(ctx, key, job, attempt, started, later)
    except Exception as error:
        return await _failed(ctx, key, job, attempt, started, error, on_dead)
    try:
        await complete_job(key, result, _now())
    except Exception as error:
        _logged(job, key, attempt, started, f"retry: not recorded: {type(error).__name__}")
        raise _bookkeeping_failed(ctx) from error
    return _logged(job, key, attempt, started, result)


async def _postponed(
    ctx: dict[str, Any], key: str, job: str, attempt: int, started: float, later: Postponed
) -> str:
    """Nothing was done: give up the claim, and the row waits until then with its attempt
    unspent. A worker dying in between leaves the row handed over, to be handed over again."""
    try:
        await release_job(key, WORKER_NAME)
        await postpone(key, later.until)
    except Exception as bookkeeping:
        _logged(job, key, attempt, started, f"retry: postponing: {type(bookkeeping).__name__}")
        raise _bookkeeping_failed(ctx) from bookkeeping
    return _logged(job, key, attempt, started, f"postponed until {later.until:%H:%M:%S}: {later}")


async def _failed(
    ctx: dict[str, Any],
    key: str,
    job: str,
    attempt: int,
    started: float,
    error: Exception,
    on_dead: Callable[[], Awaitable[None]] | None,
) -> str:
    reason = f"{type(error).__name__}: {error}"[:500]
    not_before = error.not_before if isinstance(error, WorkFailed) else None
    try:
        await release_job(key, WORKER_NAME)
        dead = await mark_failed(key, reason, _now(), not_before=not_before)
        if dead and on_dead is not None:
            await on_dead()
    except Exception as bookkeeping:
        _logged(job, key, attempt, started, f"retry: {reason}")
        raise _bookkeeping_failed(ctx) from bookkeeping
    return _logged(job, key, attempt, started, ("dead: " if dead else "failed: ") + reason)


def _logged(job: str, key: str, attempt: int, started: float, result: str) -> str:
    fields = {"job": job, "key": key, "try": attempt,
              "ms": round((time.monotonic() - started) * 1000), "result": result}  # fmt: skip
    log.info("job", extra={"fields": fields})
    return result
