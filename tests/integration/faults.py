"""Faults a test can cause in the real parts: a database that refuses writes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
from piccolo.engine.sqlite import SQLiteEngine

from db.engine import engine
from db.tables import TABLES


@asynccontextmanager
async def read_only_database() -> AsyncIterator[None]:
    """Until the block ends, the test database answers reads and refuses every write, as a
    read-only file (SQLite) or a read-only PostgreSQL would."""
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        name = urlsplit(url).path.lstrip("/")
        admin = await asyncpg.connect(url)
        try:
            await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            yield  # tests open a connection per query, so each one is read-only now
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            await admin.close()
        return
    writable = engine()
    path = url.removeprefix("sqlite:///")
    read_only = SQLiteEngine(path=f"file:{path}?mode=ro", uri=True, timeout=5)
    for table in TABLES:
        table._meta.db = read_only
    try:
        yield
    finally:
        for table in TABLES:
            table._meta.db = writable
