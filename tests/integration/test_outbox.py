"""Work is never lost and done once: the outbox row is the truth until its job records completion,
through a broken queue, an emptied Redis, failing providers, two workers at once and a database
that will not take writes."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from arq import Retry
from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import ConnectionError as RedisConnectionError

from db.crypto import open_code
from db.jobs import claim_job
from db.outbox import BACKOFF, MAX_ATTEMPTS, add_to_outbox, outbox_health, retry_dead
from db.tables import GatewayMessage, JobClaim, OutboxRow
from tests.integration import factories
from tests.integration.faults import read_only_database
from tests.integration.queue import run_burst_worker
from workers.gateways import DevOutboxGateway, GatewayError, Outgoing
from workers.notify import send_notification, send_sign_in_code
from workers.relay import RELAY_LOCK, relay_once
from workers.settings import JOB_NAMES

PHONE = "13800001111"


@pytest.fixture
async def queue() -> AsyncIterator[ArqRedis]:
    pool = await create_pool(RedisSettings.from_dsn(os.environ["REDIS_URL"]))
    yield pool
    await pool.aclose()


async def _submitted_sms_key(now: datetime) -> str:
    merchant_id = await factories.merchant(phone=PHONE)
    await factories.submitted(merchant_id, now)
    row = await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "send_notification").first()
    return str(row["key"])


async def _sent(key: str) -> list[dict[str, Any]]:
    return await GatewayMessage.select().where(
        (GatewayMessage.key == key) & (GatewayMessage.status == "sent")
    )


async def _row(key: str) -> dict[str, Any]:
    row = await OutboxRow.select().where(OutboxRow.key == key).output(load_json=True).first()
    assert row is not None
    return row


def ctx(gateway: Any = None) -> dict[str, Any]:
    return {"gateway": gateway or DevOutboxGateway(), "job_try": 1, "secret_key": "x"}


async def test_work_waits_while_the_queue_is_down_and_is_done_once_when_it_is_back(
    now: datetime, queue: ArqRedis
) -> None:
    key = await _submitted_sms_key(now)
    broken = ArqRedis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    with pytest.raises((RedisConnectionError, OSError)):
        await relay_once(broken, JOB_NAMES)
    await broken.aclose()
    assert (await _row(key))["handed_over_at"] is None

    assert await relay_once(queue, JOB_NAMES) >= 1
    await run_burst_worker(queue)
    [sent] = await _sent(key)
    assert (sent["channel"], sent["recipient"]) == ("sms", PHONE)
    assert (await _row(key))["done_at"] is not None


async def test_a_redis_emptied_after_the_hand_over_loses_nothing(
    now: datetime, queue: ArqRedis
) -> None:
    key = await _submitted_sms_key(now)
    assert await relay_once(queue, JOB_NAMES) >= 1  # handed over: the job sits in Redis
    await queue.flushdb()  # Redis restarts empty before any worker ran it
    await relay_once(queue, JOB_NAMES)  # the relay notices and hands the row over again
    await run_burst_worker(queue)
    assert len(await _sent(key)) == 1
    assert (await _row(key))["done_at"] is not None


async def test_a_hand_over_lost_without_a_trace_is_handed_over_again_later(
    now: datetime, queue: ArqRedis
) -> None:
    key = await _submitted_sms_key(now)
    await relay_once(queue, JOB_NAMES)
    await queue.delete(f"arq:job:{key}#1")  # the one job gone, the queue's marker still there
    await queue.zrem("arq:queue", f"{key}#1")
    await run_burst_worker(queue)
    assert await _sent(key) == []
    # minutes later the sweep finds it handed over long ago and not done
    assert await relay_once(queue, JOB_NAMES, lost_after=timedelta(0)) >= 1
    await run_burst_worker(queue)
    assert len(await _sent(key)) == 1
    assert (await _row(key))["attempts"] == 2


async def test_the_same_work_run_again_sends_nothing_more(now: datetime, queue: ArqRedis) -> None:
    key = await _submitted_sms_key(now)
    await relay_once(queue, JOB_NAMES)
    await run_burst_worker(queue)
    await send_notification(ctx(), key)  # by hand, as a retry would
    await OutboxRow.update({OutboxRow.handed_over_at: None, OutboxRow.done_at: None}).where(
        OutboxRow.key == key
    )
    await relay_once(queue, JOB_NAMES)
    await run_burst_worker(queue)
    assert len(await _sent(key)) == 1
    assert await JobClaim.count().where((JobClaim.key == key) & (JobClaim.status == "done")) == 1


class SlowGateway(DevOutboxGateway):
    """Takes its time, so two workers are inside the job at the same moment."""

    async def send(self, message: Outgoing) -> str:
        await asyncio.sleep(0.3)
        return "kept"


async def test_two_workers_running_one_job_at_the_same_moment_send_it_once(now: datetime) -> None:
    key = await _submitted_sms_key(now)
    results = await asyncio.gather(
        send_notification(ctx(SlowGateway()), key),
        send_notification(ctx(SlowGateway()), key),
        return_exceptions=True,
    )
    assert len(await _sent(key)) == 1
    # the second found the first's claim and asks arq to look again after its lease
    assert sum(isinstance(r, Retry) for r in results) == 1


async def test_a_claim_whose_lease_ran_out_is_taken_over(now: datetime) -> None:
    key = await _submitted_sms_key(now)
    # a worker claimed it and died: its lease is in the past
    await claim_job(key, "send_notification", "gone:1", now - timedelta(hours=1), timedelta(1))
    await JobClaim.update({JobClaim.lease_until: now - timedelta(minutes=1)}).where(
        JobClaim.key == key
    )
    assert await send_notification(ctx(), key) == "sent"
    assert len(await _sent(key)) == 1


class RefusingGateway(DevOutboxGateway):
    name = "refusing"

    async def send(self, message: Outgoing) -> str:
        raise GatewayError("provider said 503")


async def test_a_failing_provider_is_retried_with_backoff_then_the_row_is_dead_and_kept(
    now: datetime, queue: ArqRedis
) -> None:
    key = await _submitted_sms_key(now)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        await OutboxRow.update({OutboxRow.due_at: now}).where(OutboxRow.key == key)
        assert await relay_once(queue, JOB_NAMES) >= 1
        before = datetime.now(UTC)
        assert (await send_notification(ctx(RefusingGateway()), key)).startswith(
            "dead" if attempt == MAX_ATTEMPTS else "failed"
        )
        await queue.flushdb()  # the job ran by hand above; drop arq's copy
        row = await _row(key)
        assert row["attempts"] == attempt and "provider said 503" in row["last_error"]
        if attempt < MAX_ATTEMPTS:
            wait = factories.aware(row["due_at"]) - before
            assert wait >= BACKOFF[attempt - 1] - timedelta(seconds=1)  # minutes, then hours
    row = await _row(key)
    assert row["dead_at"] is not None and row["done_at"] is None
    assert (await outbox_health(datetime.now(UTC))).dead == 1
    failed = await GatewayMessage.count().where(
        (GatewayMessage.key == key) & (GatewayMessage.status == "failed")
    )
    assert failed == MAX_ATTEMPTS  # every attempt logged with its result

    assert await retry_dead(key, datetime.now(UTC))  # what the admin's "retry" does
    await relay_once(queue, JOB_NAMES)
    await run_burst_worker(queue)
    assert len(await _sent(key)) == 1


async def test_one_relay_pass_at_a_time_across_workers(now: datetime, queue: ArqRedis) -> None:
    key = await _submitted_sms_key(now)
    lock = queue.lock(RELAY_LOCK, timeout=10)
    assert await lock.acquire()  # another worker's pass is running
    try:
        assert await relay_once(queue, JOB_NAMES) == 0
        assert (await _row(key))["handed_over_at"] is None
    finally:
        await lock.release()
    passes = await asyncio.gather(*(relay_once(queue, JOB_NAMES) for _ in range(5)))
    assert sum(passes) == await OutboxRow.count().where(OutboxRow.job.is_in(list(JOB_NAMES)))
    assert (await _row(key))["attempts"] == 1


async def test_rows_for_jobs_no_worker_knows_wait_in_the_outbox(
    now: datetime, queue: ArqRedis
) -> None:
    await _submitted_sms_key(now)
    # work written by a newer release than this worker's: kept until a worker that knows it runs
    await add_to_outbox(key="future:1", job="a_job_of_a_later_release", payload={}, due_at=now)
    await relay_once(queue, JOB_NAMES)
    assert (await _row("future:1"))["handed_over_at"] is None


async def test_a_database_that_refuses_writes_is_waited_out_and_the_sms_goes_once(
    now: datetime, queue: ArqRedis
) -> None:
    key = await _submitted_sms_key(now)
    async with read_only_database():
        with pytest.raises(Retry):  # arq tries again later; nothing was sent
            await send_notification(ctx(), key)
    assert await _sent(key) == []
    assert (await _row(key))["done_at"] is None
    assert await send_notification(ctx(), key) == "sent"
    assert len(await _sent(key)) == 1


async def _code_row(client: Any) -> dict[str, Any]:
    await factories.merchant(phone=PHONE)
    token = await factories.csrf_token(client, "/login")
    await client.post("/login", data={"phone": PHONE, "next": "/", "_csrf_token": token})
    row = await (
        OutboxRow.select()
        .where(OutboxRow.job == "send_sign_in_code")
        .output(load_json=True)
        .first()
    )
    assert row is not None
    return row


async def test_a_sign_in_code_is_never_kept_in_clear(client: Any) -> None:
    row = await _code_row(client)
    assert set(row["payload"]) == {"phone", "sealed_code", "locale", "expires_at"}
    code = open_code(os.environ["SECRET_KEY"], row["payload"]["sealed_code"])
    assert re.fullmatch(r"\d{6}", code) and code not in json.dumps(row["payload"])
    production = {**ctx(DevOutboxGateway(show_codes=False)), "secret_key": os.environ["SECRET_KEY"]}
    assert await send_sign_in_code(production, row["key"]) == "sent"
    [sent] = await _sent(row["key"])
    assert "••••••" in sent["body"] and code not in sent["body"]
    after = await _row(row["key"])
    assert after["payload"] == {"phone": PHONE}  # once sent, not even the sealed code stays


async def test_a_sign_in_code_too_old_to_use_is_dropped_not_sent(client: Any) -> None:
    row = await _code_row(client)
    late = {**row["payload"], "expires_at": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()}
    await OutboxRow.update({OutboxRow.payload: late}).where(OutboxRow.id == row["id"])
    worker = {**ctx(), "secret_key": os.environ["SECRET_KEY"]}
    assert await send_sign_in_code(worker, row["key"]) == "dropped: expired"
    assert await GatewayMessage.count() == 0
    assert (await _row(row["key"]))["done_at"] is not None  # done: nothing more will try
