"""The worker as production runs it (`arq workers.settings.WorkerSettings`, a process of its own)
under the faults that lose work elsewhere: a Redis that restarts empty, a worker killed with
SIGKILL in the middle of a batch. Every SMS still goes out, exactly once."""

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

from db.tables import GatewayMessage, OutboxRow
from dev import WORKER_COMMAND
from settings import PROJECT_ROOT
from tests.integration import factories
from tests.integration.fake_sms import KEY, Provider, sms_provider
from workers.embedded_redis import EmbeddedRedis

# short leases, so a dead worker's jobs are taken over within seconds instead of minutes
FAST_RECOVERY = {"JOB_LEASE_SECONDS": "2", "HANDOVER_LEASE_SECONDS": "3"}


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path / "redis", persist=False)  # restarts empty
    server.start()
    yield server
    server.stop()


def start_worker(
    redis: EmbeddedRedis, log: Path, sms: Provider | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **FAST_RECOVERY,
        "REDIS_URL": redis.url,
        "DATABASE_POOL_SIZE": "2",
        "DEBUG": "1",
    }
    if sms is not None:  # through the provider's HTTP API instead of the dev outbox
        env |= {"SMS_GATEWAY_URL": sms.url, "SMS_GATEWAY_KEY": KEY}
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


async def sms_keys() -> list[str]:
    rows = await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "send_notification")
    return [row["key"] for row in rows]


async def sent_counts(keys: list[str]) -> dict[str, int]:
    rows = await GatewayMessage.select(GatewayMessage.key).where(
        GatewayMessage.key.is_in(keys) & (GatewayMessage.status == "sent")
    )
    counts = dict.fromkeys(keys, 0)
    for row in rows:
        counts[row["key"]] += 1
    return counts


async def wait_until_all_sent(keys: list[str], within: float = 40) -> dict[str, int]:
    deadline = time.monotonic() + within
    while True:
        counts = await sent_counts(keys)
        if all(counts.values()) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.25)


async def requests_submitted(count: int, now: datetime) -> list[str]:
    merchant_id = await factories.merchant()
    for _ in range(count):
        await factories.submitted(merchant_id, now)
    return await sms_keys()


async def test_the_worker_rides_out_a_redis_restart(
    redis: EmbeddedRedis, tmp_path: Path, now: datetime
) -> None:
    worker = start_worker(redis, tmp_path / "worker.log")
    try:
        before = await requests_submitted(1, now)
        assert await wait_until_all_sent(before) == dict.fromkeys(before, 1)

        redis.stop()  # Redis goes away, and comes back empty a moment later
        await asyncio.sleep(2)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
        redis.start()

        after = [key for key in await requests_submitted(1, now) if key not in before]
        assert await wait_until_all_sent(after) == dict.fromkeys(after, 1)
        assert worker.poll() is None
    finally:
        stop(worker)


async def test_a_worker_killed_mid_batch_leaves_every_sms_sent_exactly_once(
    redis: EmbeddedRedis, tmp_path: Path, now: datetime
) -> None:
    keys = await requests_submitted(60, now)
    log = tmp_path / "worker.log"
    # a provider that takes its time, so the kill finds messages on their way: a fast worker
    # would otherwise be done with all sixty before anyone could kill it
    with sms_provider(delay=0.5) as sms:
        first = start_worker(redis, log, sms)
        try:
            deadline = time.monotonic() + 30
            while len(sms.received) < 3 and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            first.send_signal(signal.SIGKILL)  # no shutdown, no cleanup: claims and jobs left
            first.wait()
        finally:
            stop(first)
        killed_with = sum((await sent_counts(keys)).values())
        assert sms.received, log.read_text()[-3000:]
        assert killed_with < len(keys), "the worker finished before it was killed: nothing tested"
        sms.delay = 0
        second = start_worker(redis, log, sms)
        try:
            counts = await wait_until_all_sent(keys)
        finally:
            stop(second)
    assert counts == dict.fromkeys(keys, 1), log.read_text()[-3000:]


async def test_a_worker_killed_mid_pdf_leaves_each_authorization_made_once(
    redis: EmbeddedRedis, tmp_path: Path, now: datetime
) -> None:
    from db.tables import Document
    from domain.lifecycle import Action

    merchant_id = await factories.merchant()
    requests = []
    for _ in range(6):
        request_id, _rma = await factories.submitted(merchant_id, now)
        await factories.staff_decides(request_id, Action.APPROVE, now)
        requests.append(request_id)
    log = tmp_path / "worker.log"
    first = start_worker(redis, log)
    try:
        deadline = time.monotonic() + 60
        while await Document.count() < 1 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # mid-batch: the next PDFs are rendering
        first.wait()
    finally:
        stop(first)
    assert await Document.count() < len(requests), "every PDF was made before the kill"
    second = start_worker(redis, log)
    try:
        deadline = time.monotonic() + 90
        while await Document.count() < len(requests) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.25)
        await asyncio.sleep(1)  # time for a second copy to appear, were one to be made
    finally:
        stop(second)
    rows = await Document.select(Document.request_id, Document.number)
    assert sorted(row["request_id"] for row in rows) == sorted(requests), log.read_text()[-3000:]
    assert {row["number"] for row in rows} == {1}
