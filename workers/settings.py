"""arq worker settings: `arq workers.settings.WorkerSettings` runs ReturnDesk's jobs and relay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any, ClassVar

from arq.connections import RedisSettings
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from db.engine import bind_database, close_database
from db.health import DatabaseNotReady, wait_for_served_database
from db.s3_files import file_store_for
from logs import configure_logging
from settings import Settings, redis_url_from_env
from workers.documents import render_document
from workers.gateways import ByChannel, DevOutboxGateway, Gateway, HttpSmsGateway, SmtpGateway
from workers.imports import run_import
from workers.notify import send_notification, send_sign_in_code
from workers.pdf import PdfPool
from workers.relay import relay_forever
from workers.schedule import CRON_JOBS
from workers.webhook_http import WebhookSender
from workers.webhooks import deliver_webhook

log = logging.getLogger("returndesk.worker")

FUNCTIONS = [send_notification, send_sign_in_code, render_document, deliver_webhook, run_import]
JOB_NAMES = {function.__name__ for function in FUNCTIONS}


def redis_settings(url: str) -> RedisSettings:
    """The worker rides out a Redis restart: every command retries with backoff until Redis
    answers again (forever), and start-up waits for it instead of giving up after 5 s."""
    settings = RedisSettings.from_dsn(url)
    settings.retry = Retry(ExponentialBackoff(cap=5, base=0.1), retries=-1)
    settings.retry_on_error = [ConnectionError, TimeoutError, OSError]
    settings.conn_retries = 10_000
    settings.conn_retry_delay = 1
    return settings


def gateways_for(settings: Settings) -> Gateway | ByChannel:
    """The providers the settings name; the development outbox for any not configured (said
    loudly outside development, rather than pretend messages leave)."""
    dev = DevOutboxGateway(show_codes=settings.debug)
    sms: Gateway = dev
    email: Gateway = dev
    if settings.sms_gateway_url:
        sms = HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_key)
    if settings.smtp_url:
        email = SmtpGateway(settings.smtp_url, settings.mail_from)
    if not settings.debug and dev in (sms, email):
        log.warning("no SMS or no e-mail provider is configured: those stay in the dev outbox")
    return dev if sms is dev and email is dev else ByChannel(sms, email)


def webhook_sender(settings: Settings) -> WebhookSender:
    """Partners' receivers on the internet over https; development may loosen both (settings)."""
    if settings.webhook_allow_loopback:
        log.warning("WEBHOOK_ALLOW_LOOPBACK is on: webhooks may reach this machine's own services")
    return WebhookSender(
        allow_http=settings.webhook_allow_http, allow_loopback=settings.webhook_allow_loopback
    )


async def startup(ctx: dict[str, Any]) -> None:
    settings = Settings.from_env()
    # one line per job (workers.runner, workers.schedule) in the format the web processes use;
    # arq's own configuration covers only its own logger
    configure_logging(json_lines=settings.log_json)
    bind_database(settings.database_url, settings.database_pool_size)
    try:
        await wait_for_served_database(settings.database_wait_seconds)
    except DatabaseNotReady as refusal:
        log.critical("the worker will not start: %s", refusal)
        raise
    ctx["secret_key"] = settings.secret_key
    ctx["job_lease"] = timedelta(seconds=settings.job_lease_seconds)
    ctx.setdefault("gateway", gateways_for(settings))
    ctx.setdefault("files", file_store_for(settings))
    ctx.setdefault("pdf", PdfPool())
    ctx.setdefault("webhooks", webhook_sender(settings))
    ctx.update(timezone=settings.timezone, site_url=settings.site_url,
               return_address=settings.return_address)  # fmt: skip
    if ctx.get("relay", True):
        lost_after = timedelta(seconds=settings.handover_lease_seconds)
        ctx["relay_task"] = asyncio.create_task(relay_forever(ctx["redis"], JOB_NAMES, lost_after))


async def shutdown(ctx: dict[str, Any]) -> None:
    task = ctx.get("relay_task")
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if "pdf" in ctx:  # not there when start-up was refused (see startup)
        ctx["pdf"].close()
    if "webhooks" in ctx:
        await ctx["webhooks"].close()
    await close_database()


class WorkerSettings:
    functions: ClassVar[list[Any]] = FUNCTIONS
    cron_jobs: ClassVar[list[Any]] = CRON_JOBS
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings(redis_url_from_env())
    # the outbox keeps the real count and backoff; these tries only cover a database that did
    # not answer the job's own bookkeeping (see workers.runner)
    max_tries = 20
    poll_delay = 0.1
    max_jobs = 20
    # `arq --check workers.settings.WorkerSettings` reads the health record each worker
    # refreshes this often (exit 0 while one is alive)
    health_check_interval = 30
