"""Integration fixtures: the real database (migrated once per run), the real Redis, the real app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from db.engine import bind_database, close_database, open_database, run_migrations
from db.policies import forget_cached_versions
from db.tables import TABLES
from settings import Settings
from web.app import create_app


@pytest.fixture(scope="session", autouse=True)
async def database() -> AsyncIterator[None]:
    # The in-process client serves the app on its own event loop, and pooled connections
    # belong to the loop that opened them: tests open one per query (pool size 0).
    settings = Settings.from_env()
    bind_database(settings.database_url, 0)
    await open_database()
    await run_migrations()
    yield
    await close_database()


@pytest.fixture(autouse=True)
async def clean_state(database: None) -> AsyncIterator[None]:
    """Every test starts from empty tables and an empty Redis database."""
    for table in reversed(TABLES):
        await table.delete(force=True)
    forget_cached_versions()
    redis = Redis.from_url(os.environ["REDIS_URL"])
    await redis.flushdb()
    await redis.aclose()
    yield


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env()  # DATABASE_POOL_SIZE=0 (tests/conftest.py): see `database`


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    async with AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def second_browser(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """Another browser on the same ReturnDesk (its own cookies), in English."""
    async with AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        client.headers["Accept-Language"] = "en"
        yield client


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def days() -> type[timedelta]:
    return timedelta


@pytest.fixture
def deliver_outbox():  # type: ignore[no-untyped-def]
    """Send what the outbox holds through the real relay and a burst arq worker."""
    from tests.integration.queue import deliver_outbox

    return deliver_outbox
