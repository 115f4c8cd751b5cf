"""Integration fixtures: the real database (migrated once per run), the real Redis, the real app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from db.engine import close_database, open_database, run_migrations
from db.tables import TABLES
from settings import Settings
from web.app import create_app


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[None]:
    await open_database()
    await run_migrations()
    yield
    await close_database()


@pytest.fixture(autouse=True)
async def clean_state(database: None) -> AsyncIterator[None]:
    """Every test starts from empty tables and an empty Redis database."""
    for table in reversed(TABLES):
        await table.delete(force=True)
    redis = Redis.from_url(os.environ["REDIS_URL"])
    await redis.flushdb()
    await redis.aclose()
    yield


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def days() -> type[timedelta]:
    return timedelta


@pytest.fixture
def deliver_outbox():  # type: ignore[no-untyped-def]
    """Run the real relay and a burst arq worker: what the outbox holds is sent, as in production."""
    from arq import Worker
    from arq.connections import RedisSettings, create_pool

    from workers.gateways import DevOutboxGateway
    from workers.relay import relay_once
    from workers.settings import FUNCTIONS, JOB_NAMES

    async def deliver() -> None:
        queue = await create_pool(RedisSettings.from_dsn(os.environ["REDIS_URL"]))
        try:
            await relay_once(queue, JOB_NAMES)
            worker = Worker(
                functions=FUNCTIONS,
                redis_pool=queue,
                burst=True,
                poll_delay=0,
                handle_signals=False,
                ctx={"gateway": DevOutboxGateway()},
            )
            await worker.main()
            await worker.close()
        finally:
            await queue.aclose()

    return deliver
