"""The real queue for tests: the relay hands the outbox to arq, a burst worker runs what it holds."""

from __future__ import annotations

import os

from arq import Worker
from arq.connections import ArqRedis, RedisSettings, create_pool

from db.s3_files import file_store_for
from settings import Settings
from workers.gateways import DevOutboxGateway
from workers.relay import relay_once
from workers.settings import FUNCTIONS, JOB_NAMES, webhook_sender
from workers.webhook_http import WebhookSender


async def run_burst_worker(queue: ArqRedis, webhooks: WebhookSender | None = None) -> None:
    """Run every job waiting in the queue, then stop (arq's burst mode). Webhooks go out as the
    settings say (the tests run with DEBUG on: http allowed, loopback not) unless the test
    brings its own sender."""
    sender = webhooks or webhook_sender(Settings.from_env())
    worker = Worker(
        functions=FUNCTIONS,
        redis_pool=queue,
        burst=True,
        poll_delay=0,
        handle_signals=False,
        ctx={
            "gateway": DevOutboxGateway(),
            "secret_key": os.environ["SECRET_KEY"],
            "webhooks": sender,
            "timezone": "Asia/Shanghai",
            "files": file_store_for(Settings.from_env()),  # the web app's, as in production
        },
    )
    try:
        await worker.main()
        await worker.close()
    finally:
        if webhooks is None:
            await sender.close()


async def deliver_outbox(webhooks: WebhookSender | None = None) -> None:
    """What the outbox holds is sent, as in production: one relay pass, then a burst worker."""
    queue = await create_pool(RedisSettings.from_dsn(os.environ["REDIS_URL"]))
    try:
        await relay_once(queue, JOB_NAMES)
        await run_burst_worker(queue, webhooks)
    finally:
        await queue.aclose()
