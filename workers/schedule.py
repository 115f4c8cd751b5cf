"""Scheduled jobs (arq cron): the clock's decisions and reminders, and housekeeping. arq gives
each tick one job id, so across several workers each tick runs once; the store's checks make
a second run harmless anyway. One structured log line per run."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from arq import cron

from db.api_idempotency import purge_expired as purge_expired_keys
from db.imports import purge_import_files
from db.resumable import purge_expired_uploads
from db.schedule import (
    EXPORTS_KEPT,
    STAGED_KEPT,
    apply_due,
    mark_missed_reviews,
    purge_abandoned_drafts,
    remind_before_ship_by,
)
from db.staging import purge_staged

log = logging.getLogger("returndesk.schedule")


def _logged(job: str, started: float, result: object) -> str:
    text = str(result)
    fields = {"job": job, "ms": round((time.monotonic() - started) * 1000), "result": text}
    log.info("job", extra={"fields": fields})
    return text


async def deadlines(ctx: dict[str, Any]) -> str:
    """Expire unshipped approvals, close rejections past their appeal window and settled
    refunds; tell supervisors of missed review deadlines."""
    started, now = time.monotonic(), datetime.now(UTC)
    outcome = await apply_due(now)
    late = await mark_missed_reviews(now)
    return _logged(
        "deadlines", started, {**{k: v.applied for k, v in outcome.items()}, "late": late}
    )


async def reminders(ctx: dict[str, Any]) -> str:
    started = time.monotonic()
    return _logged(
        "reminders", started, {"expiring_soon": await remind_before_ship_by(datetime.now(UTC))}
    )


async def housekeeping(ctx: dict[str, Any]) -> str:
    """Drafts abandoned for 30 days, files staged a day ago and never attached, uploaded
    exports a week old, resumable uploads nobody added to for a day."""
    started, now = time.monotonic(), datetime.now(UTC)
    drafts = await purge_abandoned_drafts(ctx["files"], now)
    staged = await purge_staged(ctx["files"], now - STAGED_KEPT)
    keys = await purge_expired_keys(now)  # the partner API's Idempotency-Keys past 24 hours
    exports = await purge_import_files(ctx["files"], now - EXPORTS_KEPT)
    uploads = await purge_expired_uploads(ctx["files"], now)  # resumable uploads a day idle
    return _logged("housekeeping", started, {"drafts": drafts, "staged": staged, "keys": keys,
                                             "exports": exports, "uploads": uploads})  # fmt: skip


CRON_JOBS = [
    cron(deadlines, minute=set(range(0, 60, 5)), run_at_startup=True),
    cron(reminders, minute={7}),
    cron(housekeeping, hour={3}, minute={17}),
]
