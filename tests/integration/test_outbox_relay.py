"""What a merchant saw confirmed is never lost: the outbox waits out a broken queue, and the work
then happens once."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from arq.connections import ArqRedis, RedisSettings, create_pool
from redis.exceptions import ConnectionError as RedisConnectionError

from db.returns import Applied, apply_action
from db.tables import GatewayMessage, JobClaim, OutboxRow
from domain.lifecycle import Action, Actor, Command, Role
from tests.integration import factories
from tests.integration.queue import run_burst_worker
from workers.gateways import DevOutboxGateway
from workers.notify import send_notification
from workers.relay import relay_once
from workers.settings import JOB_NAMES


async def _approved_request(now: datetime) -> int:
    merchant_id = await factories.merchant(phone="13800001111")
    order_id, items = await factories.order(merchant_id, now - timedelta(days=3))
    request_id = await factories.draft(merchant_id, order_id, items)
    merchant = Actor(Role.MERCHANT, f"merchant:{merchant_id}", merchant_id)
    assert isinstance(
        await apply_action(request_id, Command(Action.SUBMIT), merchant, now), Applied
    )
    return request_id


async def test_work_waits_while_the_queue_is_down_and_is_done_once_when_it_is_back(
    now: datetime,
) -> None:
    await _approved_request(now)
    sms_key = (
        await OutboxRow.select(OutboxRow.key).where(OutboxRow.job == "send_notification").first()
    )["key"]

    # The queue breaks after the commit: nothing listens on port 1.
    broken = ArqRedis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    try:
        await relay_once(broken, JOB_NAMES)
        raise AssertionError("the relay should have failed to reach the queue")
    except (RedisConnectionError, OSError):
        pass
    finally:
        await broken.aclose()
    waiting = await OutboxRow.select().where(OutboxRow.key == sms_key).first()
    assert waiting["handed_over_at"] is None
    assert await GatewayMessage.count() == 0

    # The queue is back: the relay hands the row over and the worker sends the SMS.
    queue = await create_pool(RedisSettings.from_dsn(os.environ["REDIS_URL"]))
    try:
        assert await relay_once(queue, JOB_NAMES) >= 1
        await run_burst_worker(queue)
        sent = await GatewayMessage.select().where(GatewayMessage.key == sms_key)
        assert [(m["channel"], m["recipient"], m["status"]) for m in sent] == [
            ("sms", "13800001111", "sent")
        ]
        assert "已收到" in sent[0]["body"] or "received" in sent[0]["body"]

        # The same work handed over again, and the job run again by hand: still one SMS.
        await OutboxRow.update({OutboxRow.handed_over_at: None}).where(OutboxRow.key == sms_key)
        await relay_once(queue, JOB_NAMES)
        await run_burst_worker(queue)
        await send_notification({"gateway": DevOutboxGateway(), "job_try": 1}, sms_key)
        assert await GatewayMessage.count().where(GatewayMessage.key == sms_key) == 1
        assert await JobClaim.count().where(JobClaim.key == sms_key) == 1
    finally:
        await queue.aclose()


async def test_rows_for_jobs_no_worker_knows_wait_in_the_outbox(now: datetime) -> None:
    await _approved_request(now)
    queue = await create_pool(RedisSettings.from_dsn(os.environ["REDIS_URL"]))
    try:
        await relay_once(queue, JOB_NAMES)
    finally:
        await queue.aclose()
    webhook = await OutboxRow.select().where(OutboxRow.job == "deliver_webhook").first()
    assert webhook["handed_over_at"] is None  # kept until a worker that delivers webhooks exists
