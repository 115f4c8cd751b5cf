"""The database engine's lifecycle and ReturnDesk's one way to open a write transaction."""

from __future__ import annotations

import os
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from db.tables import ReturnRequest


def engine() -> Engine:  # type: ignore[type-arg]
    return ReturnRequest._meta.db


def atomic() -> Any:
    """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so two
    read-then-write transactions queue on the busy timeout instead of failing with
    "database is locked" when the second one tries to upgrade its read lock."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def open_database() -> None:
    db = engine()
    if isinstance(db, SQLiteEngine):
        # WAL lets readers go on while one writer writes; it is a property of the file, kept.
        await db.run_ddl("PRAGMA journal_mode=WAL")
    elif isinstance(db, PostgresEngine) and pool_size() > 0:
        await db.start_connection_pool(min_size=1, max_size=pool_size())


async def close_database() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and pool_size() > 0:
        await db.close_connection_pool()


def pool_size() -> int:
    """DATABASE_POOL_SIZE (default 10) connections per process; 0 opens one per query, which
    in-process tests need: their client runs the app on another event loop than the test's,
    and a pooled asyncpg connection belongs to the loop that opened it."""
    return int(os.environ.get("DATABASE_POOL_SIZE", "10"))


async def run_migrations() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    response = await run_forwards(app_name="returndesk", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}")
