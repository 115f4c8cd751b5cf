"""Test environment: a fresh database and Redis per run, on SQLite + embedded Redis by default,
or on the PostgreSQL and Redis servers that DATABASE_URL and REDIS_URL name (as CI does)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="returndesk-test-"))
_state: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ["DATA_DIR"] = str(_TMP)
    os.environ.setdefault("SECRET_KEY", "test-secret-" + secrets.token_hex(8))
    os.environ["DEBUG"] = "1"
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import asyncio

        import asyncpg

        name = f"returndesk_test_{os.getpid()}_{secrets.token_hex(3)}"
        parts = urlsplit(url)

        async def create() -> None:
            connection = await asyncpg.connect(url)
            try:
                await connection.execute(f'CREATE DATABASE "{name}"')
            finally:
                await connection.close()

        asyncio.run(create())
        _state["pg_admin_url"] = url
        _state["pg_database"] = name
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'returndesk.sqlite3'}"
    # The in-process test client serves the app on its own event loop; pooled connections
    # cannot cross loops. The browser tests' server runs with a pool.
    os.environ["DATABASE_POOL_SIZE"] = "0"
    if os.environ.get("REDIS_URL"):
        # A database of its own on the shared server; flushed between tests.
        parts = urlsplit(os.environ["REDIS_URL"])
        if parts.scheme in {"redis", "rediss"} and parts.path in {"", "/"}:
            os.environ["REDIS_URL"] = urlunsplit(parts._replace(path="/13"))
    else:
        from workers.embedded_redis import EmbeddedRedis

        redis = EmbeddedRedis(_TMP / "redis", persist=False)
        redis.start()
        _state["embedded_redis"] = redis
        os.environ["REDIS_URL"] = redis.url


def pytest_unconfigure(config: pytest.Config) -> None:
    redis = _state.get("embedded_redis")
    if redis is not None:
        redis.stop()  # type: ignore[attr-defined]
    if "pg_database" in _state:
        import asyncio

        import asyncpg

        async def drop() -> None:
            connection = await asyncpg.connect(str(_state["pg_admin_url"]))
            try:
                await connection.execute(
                    f'DROP DATABASE IF EXISTS "{_state["pg_database"]}" WITH (FORCE)'
                )
            finally:
                await connection.close()

        asyncio.run(drop())
