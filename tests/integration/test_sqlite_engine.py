"""The pooled SQLite engine the web server and workers run on (the embedded default): a lone
write runs at once on the loop's thread when the write lock is free, waits for another
process's lock instead of failing, and reports a refused write as the database said it.

It runs on a database file of its own, so it holds on either CI backend."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from piccolo.querystring import QueryString

from db.engine import PooledSQLiteEngine


@pytest.fixture
async def pooled(tmp_path: Path) -> AsyncIterator[PooledSQLiteEngine]:
    engine = PooledSQLiteEngine(str(tmp_path / "own.sqlite3"), pool_size=2, create=True)
    await engine.run_ddl("PRAGMA journal_mode=WAL")
    await engine.run_ddl("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
    yield engine
    await engine.pool.close()
    engine.close_readers()


async def _run(engine: PooledSQLiteEngine, sql: str, *args: object) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await engine.run_querystring(QueryString(sql, *args))
    return rows


async def test_a_lone_write_is_kept_and_read_back(pooled: PooledSQLiteEngine) -> None:
    inserted = await _run(pooled, "INSERT INTO note (body) VALUES ({}) RETURNING id", "hello")
    await _run(pooled, "UPDATE note SET body = {} WHERE id = {}", "hello again", inserted[0]["id"])

    assert await _run(pooled, "SELECT body FROM note") == [{"body": "hello again"}]
    # another connection (another process) sees it committed
    other = sqlite3.connect(pooled.path)
    assert other.execute("SELECT body FROM note").fetchall() == [("hello again",)]
    other.close()


async def test_a_write_waits_for_another_process_holding_the_lock(
    pooled: PooledSQLiteEngine,
) -> None:
    other = sqlite3.connect(pooled.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other process's write transaction
    other.execute("INSERT INTO note (body) VALUES ('theirs')")

    async def let_go() -> None:
        await asyncio.sleep(0.3)
        other.execute("COMMIT")

    releasing = asyncio.create_task(let_go())
    started = time.monotonic()
    await _run(pooled, "INSERT INTO note (body) VALUES ({})", "mine")
    waited = time.monotonic() - started
    await releasing
    other.close()

    assert waited >= 0.25  # it waited for the lock rather than failing or skipping
    rows = await _run(pooled, "SELECT body FROM note ORDER BY id")
    assert rows == [{"body": "theirs"}, {"body": "mine"}]


async def test_a_refused_write_raises_and_keeps_nothing(pooled: PooledSQLiteEngine) -> None:
    await _run(pooled, "INSERT INTO note (body) VALUES ({})", "once")

    with pytest.raises(sqlite3.IntegrityError):
        await _run(pooled, "INSERT INTO note (body) VALUES ({})", "once")

    assert await _run(pooled, "SELECT COUNT(*) AS n FROM note") == [{"n": 1}]
