"""`make bench`, webhooks (part of BENCH_SECTIONS=api): 1,000 events of partners' requests
delivered, signed, to a receiver on this machine (a process of its own that answers 204), by one
worker with the production settings, against arq draining 1,000 no-op jobs with the same
settings (target ≥ 0.5 of its speed). Figures, not a test."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.bench_pages.server import _free_port
from tests.bench_pages.workers import _drain, _empty, _noop

EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", "1000"))

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


async def _partner_events(url: str) -> None:
    """A partner subscribed at `url` and EVENTS requests it filed, each submitted: an event to
    deliver apiece. Every other piece of work they owe (SMS) is set aside as done."""
    from db.partners import create_client
    from db.tables import OutboxRow
    from db.webhook_subscriptions import add_subscription
    from tests.integration import factories

    now = datetime.now(UTC)
    client_id, _key = await create_client("bench", "partner", None, ["returns:read"], 600, now)
    await add_subscription(client_id, url, [], os.environ["SECRET_KEY"], now)
    merchant_id = await factories.merchant()
    for _ in range(EVENTS):
        await factories.submitted(merchant_id, now, partner_client=client_id, channel="partner")
    await OutboxRow.update({OutboxRow.done_at: now}).where(OutboxRow.job != "deliver_webhook")


async def webhook_section() -> None:
    from arq.connections import create_pool

    from db.tables import WebhookDelivery
    from settings import Settings
    from workers.relay import relay_forever
    from workers.settings import FUNCTIONS, JOB_NAMES, redis_settings, webhook_sender

    redis_url = os.environ["REDIS_URL"]
    queue = await create_pool(redis_settings(redis_url))
    for n in range(1000):
        await queue.enqueue_job("_noop", n)
    baseline = await _drain(redis_url, [_noop], {}, lambda: _empty(queue))
    print(f"  arq draining 1,000 no-op jobs (baseline)     {baseline:7.2f} s")
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])  # noqa: ASYNC220
    try:
        await asyncio.sleep(0.5)
        await _partner_events(f"http://127.0.0.1:{port}/hooks")
        # a receiver on this machine, over http: what development allows, set here on purpose
        settings = replace(
            Settings.from_env(), webhook_allow_http=True, webhook_allow_loopback=True
        )
        sender = webhook_sender(settings)
        ctx: dict[str, Any] = {"webhooks": sender, "secret_key": settings.secret_key,
                               "timezone": settings.timezone}  # fmt: skip
        relay = asyncio.create_task(
            relay_forever(queue, JOB_NAMES, lost_after=timedelta(minutes=5))
        )

        async def all_delivered() -> bool:
            done = await WebhookDelivery.count().where(WebhookDelivery.status == "delivered")
            return bool(done >= EVENTS)

        took = await _drain(redis_url, FUNCTIONS, ctx, all_delivered)
        relay.cancel()
        await sender.close()
    finally:
        receiver.terminate()
        await queue.aclose()
    print(f"  {EVENTS:,} webhook deliveries, signed      {took:7.2f} s   "
          f"{EVENTS / took:6.0f}/s   ratio to the baseline {baseline / took * EVENTS / 1000:.2f} (target >= 0.5)")  # fmt: skip
