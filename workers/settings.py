"""arq worker settings: `arq workers.settings.WorkerSettings` runs ReturnDesk's jobs and relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any, ClassVar

from arq.connections import RedisSettings

from db.engine import close_database, open_database
from settings import redis_url_from_env
from workers.gateways import DevOutboxGateway
from workers.notify import send_notification, send_sign_in_code
from workers.relay import relay_forever

log = logging.getLogger("returndesk.worker")

FUNCTIONS = [send_notification, send_sign_in_code]
JOB_NAMES = {function.__name__ for function in FUNCTIONS}


async def startup(ctx: dict[str, Any]) -> None:
    await open_database()
    # The development outbox is the only gateway so far: SMTP and the HTTP SMS provider come
    # with the notification workers. Say so loudly rather than pretend messages leave.
    if os.environ.get("DEBUG", "").lower() not in {"1", "true", "yes", "on"}:
        log.warning("no SMS/e-mail provider is configured: messages stay in the dev outbox")
    ctx["gateway"] = DevOutboxGateway()
    if ctx.get("relay", True):
        ctx["relay_task"] = asyncio.create_task(relay_forever(ctx["redis"], JOB_NAMES))


async def shutdown(ctx: dict[str, Any]) -> None:
    task = ctx.get("relay_task")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await close_database()


class WorkerSettings:
    functions: ClassVar[list[Any]] = FUNCTIONS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(redis_url_from_env())
    max_tries = 5
    poll_delay = 0.1
    max_jobs = 20
