"""Webhooks from the worker as production runs it (a process of its own, `arq
workers.settings.WorkerSettings`), killed with SIGKILL while deliveries are on their way: every
event still reaches the receiver, in order per request, and a repeat only ever comes with the
webhook-id and the bytes the receiver already saw — what its dedup relies on."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from db.tables import PartnerEvent, WebhookDelivery
from dev import WORKER_COMMAND
from domain.lifecycle import Action
from settings import PROJECT_ROOT
from tests.integration import factories
from tests.integration.webhook_receiver import Receiver, webhook_receiver
from tests.integration.webhook_setup import partner, partner_request
from workers.embedded_redis import EmbeddedRedis

REQUESTS = 10  # each with two events: submitted, then approved


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    server.start()
    yield server
    server.stop()


def start_worker(redis: EmbeddedRedis, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        # short leases, so a dead worker's deliveries are taken over within seconds
        "JOB_LEASE_SECONDS": "2",
        "HANDOVER_LEASE_SECONDS": "3",
        "REDIS_URL": redis.url,
        "DATABASE_POOL_SIZE": "2",
        "DEBUG": "1",
        "WEBHOOK_ALLOW_LOOPBACK": "1",  # the receiver runs on this machine
    }
    return subprocess.Popen(
        WORKER_COMMAND, cwd=PROJECT_ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# the request's own events; an approval also renders the authorization, whose document.ready
# event follows whenever the renderer is done (not what this test is about)
RETURN_EVENTS = "return.%"


async def delivered_count() -> int:
    count: int = await WebhookDelivery.count().where(
        (WebhookDelivery.status == "delivered") & WebhookDelivery.event._.type.like(RETURN_EVENTS)  # type: ignore[attr-defined]
    )
    return count


async def _killed_mid_delivery(redis: EmbeddedRedis, log: Path, receiver: Receiver) -> int:
    """A worker sends until the receiver has a few, then dies at once; how many were recorded
    delivered by then."""
    worker = start_worker(redis, log)
    try:
        deadline = time.monotonic() + 30
        while len(receiver.hits) < 3 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        worker.send_signal(signal.SIGKILL)  # no shutdown: claims, hand-overs, answers unread
        worker.wait()
    finally:
        stop(worker)
    return await delivered_count()


async def test_a_worker_killed_mid_delivery_leaves_every_event_delivered_in_order(
    redis: EmbeddedRedis, tmp_path: Path, now: datetime
) -> None:
    log = tmp_path / "worker.log"
    with webhook_receiver(delay=0.5) as receiver:  # slow, so the kill finds deliveries on the way
        client_id, _, secret = await partner(receiver.url)
        receiver.secrets.append(secret)
        requests = [(await partner_request(client_id, now))[0] for _ in range(REQUESTS)]
        for request_id in requests:
            await factories.staff_decides(request_id, Action.APPROVE, now)
        killed_with = await _killed_mid_delivery(redis, log, receiver)
        assert receiver.hits, log.read_text()[-3000:]
        assert killed_with < 2 * REQUESTS, "all delivered before the kill: nothing tested"
        receiver.delay = 0
        second = start_worker(redis, log)
        try:
            deadline = time.monotonic() + 60
            while await delivered_count() < 2 * REQUESTS and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.25)
        finally:
            stop(second)
    assert await delivered_count() == 2 * REQUESTS, log.read_text()[-3000:]

    events = (
        await PartnerEvent.select(PartnerEvent.event_id, PartnerEvent.request, PartnerEvent.body)
        .where(PartnerEvent.type.like(RETURN_EVENTS))
        .order_by(PartnerEvent.id)
    )
    delivered = {hit.webhook_id for hit in receiver.delivered()}
    assert delivered >= {e["event_id"] for e in events}
    sent = {e["event_id"]: e["body"].encode() for e in events}
    # a repeat: the same id, the same bytes, still verifiable
    for hit in (hit for hit in receiver.hits if hit.webhook_id in sent):
        assert hit.body == sent[hit.webhook_id] and hit.verified_by == [secret]
    for request_id in requests:
        first, later = (e["event_id"] for e in events if e["request"] == request_id)
        arrivals = [hit.webhook_id for hit in receiver.hits if hit.webhook_id in (first, later)]
        assert arrivals.index(later) > arrivals.index(first), arrivals
